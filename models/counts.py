"""Casualty counts: the text of a casualty span -> ``{"value", "low", "high", "qualifier"}``.

``qualifier`` is one of ``exact``, ``at_least``, ``at_most``, ``approx``, ``range``, ``unknown``.
``value`` is the single figure a data coder would enter; it is never above what the text supports:

- ``at_least`` ("at least 7", "more than 3,800", "dozens"): value = low = the stated floor.
- ``at_most`` ("up to 30", "fewer than 10"): value = high = the ceiling, low unknown.
- ``approx`` ("about 40", "nearly 100", "some 30", "a dozen"): value = the figure, bounds unknown.
- ``range`` ("between 10 and 15", "10-15", "10 to 15"): value = low, the conservative end.
- vague plurals follow ACLED's coding: "dozens" = 12, "scores" = 20, "hundreds" = 100,
  "thousands" = 1,000 (``at_least``); "a few" = 2 and "several" = 3 (``at_least``), the smallest
  numbers the words allow.
- an indefinite or definite singular ("a soldier", "the driver", "an Army officer") counts 1 exactly;
  a bare plural ("civilians", "dozens of" aside) is ``unknown``.

Number words go through the maintained ``text2num`` package; this module only finds where the
count is and what qualifies it.

>>> normalize_count("at least seven Afghan intelligence personnel")
{'value': 7, 'low': 7, 'high': None, 'qualifier': 'at_least'}
>>> normalize_count("24, including mothers and infants")
{'value': 24, 'low': 24, 'high': 24, 'qualifier': 'exact'}
>>> normalize_count("between 10 and 15 civilians")
{'value': 10, 'low': 10, 'high': 15, 'qualifier': 'range'}
>>> normalize_count("dozens of people")
{'value': 12, 'low': 12, 'high': None, 'qualifier': 'at_least'}
>>> normalize_count("a soldier")
{'value': 1, 'low': 1, 'high': 1, 'qualifier': 'exact'}
"""

from __future__ import annotations

import re
from typing import Literal, TypedDict

from text_to_num import text2num

Qualifier = Literal["exact", "at_least", "at_most", "approx", "range", "unknown"]


class Count(TypedDict):
    value: int | None
    low: int | None
    high: int | None
    qualifier: Qualifier


# Longest phrases first: the scanner tries them in this order.
QUALIFIERS: tuple[tuple[str, Qualifier], ...] = tuple(
    sorted(
        {
            "at least": "at_least", "more than": "at_least", "over": "at_least",
            "no fewer than": "at_least", "no less than": "at_least", "upwards of": "at_least",
            "in excess of": "at_least", "a minimum of": "at_least", "not less than": "at_least",
            "at most": "at_most", "up to": "at_most", "as many as": "at_most",
            "no more than": "at_most", "fewer than": "at_most", "less than": "at_most",
            "under": "at_most", "a maximum of": "at_most", "not more than": "at_most",
            "about": "approx", "around": "approx", "roughly": "approx", "approximately": "approx",
            "some": "approx", "nearly": "approx", "almost": "approx", "close to": "approx",
            "an estimated": "approx", "estimated": "approx", "around about": "approx",
            "just over": "approx", "just under": "approx", "an approximate": "approx",
        }.items(),
        key=lambda kv: -len(kv[0]),
    )
)
# Words that may precede a count without changing it ("another 12", "all seven crew").
SKIPPABLE = {"another", "a further", "an additional", "further", "additional", "the", "all",
             "all the", "its", "their", "his", "her", "our", "these", "those", "total of",
             "a total of", "the remaining", "remaining", "only", "just", "also"}
VAGUE: dict[str, tuple[int, Qualifier]] = {
    "a few": (2, "at_least"), "several": (3, "at_least"), "a number of": (2, "at_least"),
    "dozens": (12, "at_least"), "scores": (20, "at_least"), "hundreds": (100, "at_least"),
    "thousands": (1000, "at_least"), "tens of thousands": (10000, "at_least"),
    "hundreds of thousands": (100000, "at_least"), "millions": (1000000, "at_least"),
    "a dozen": (12, "approx"), "half a dozen": (6, "approx"), "a score": (20, "approx"),
    "a couple of": (2, "approx"), "a handful of": (3, "approx"), "a hundred": (100, "approx"),
    "a thousand": (1000, "approx"),
}
UNITS = {"dozen": 12, "score": 20}
SCALES = {"hundred": 100, "thousand": 1000, "million": 1_000_000}
NUMBER_WORDS = {
    "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
    "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen",
    "nineteen", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety",
    "hundred", "thousand", "million", "and",
}
PAIRS = {"both": 2, "a pair of": 2, "a couple": 2, "twin": 2}
SINGULAR_DETERMINERS = {"a", "an", "one", "the", "his", "her", "their", "its", "another", "a lone",
                        "a single", "single"}
PLURAL_NOUNS_WITHOUT_S = {"people", "police", "children", "men", "women", "personnel", "staff",
                          "militia", "crew", "youth", "gentry", "folk", "cattle", "infantry"}
NON_COUNT_SUFFIX = re.compile(r"^(?:-\s)?(?:year|month|week|day|hour|minute|km|mile|kilometre|"
                              r"kilometer|%|percent|per cent)", re.I)

_TOKEN = re.compile(r"[0-9][0-9,]*(?:\.[0-9]+)?|[A-Za-z]+(?:-[A-Za-z]+)*|[^\sA-Za-z0-9]")


def _words(text: str) -> list[str]:
    return [t.lower() for t in _TOKEN.findall(text)]


def _starts_with(words: list[str], phrase: str, at: int = 0) -> bool:
    parts = phrase.split()
    return words[at : at + len(parts)] == parts


def _read_number(words: list[str], at: int) -> tuple[int, int] | None:
    """A number starting at ``words[at]``: (value, words consumed), or None."""
    if at >= len(words):
        return None
    w = words[at]
    if _is_digits(w):
        value = float(w.replace(",", ""))
        used = 1
        if at + 1 < len(words) and words[at + 1] in SCALES:
            value *= SCALES[words[at + 1]]
            used = 2
        return int(value), used
    if w in UNITS and at + 1 <= len(words):
        return None
    run: list[str] = []
    j = at
    while j < len(words) and (
        words[j] in NUMBER_WORDS or (("-" in words[j]) and all(p in NUMBER_WORDS for p in words[j].split("-")))
    ):
        run.append(words[j])
        j += 1
    while run and run[-1] == "and":
        run.pop()
    if not run:
        return None
    try:
        value = text2num(" ".join(run), "en")
    except ValueError:
        return None
    consumed = len(run)
    if j < len(words) and words[at + consumed : at + consumed + 1] and words[at + consumed] in UNITS:
        value *= UNITS[words[at + consumed]]
        consumed += 1
    return value, consumed


def _is_digits(word: str) -> bool:
    return word[0] in "0123456789"


def _exact(n: int) -> Count:
    return {"value": n, "low": n, "high": n, "qualifier": "exact"}


def _qualified(n: int, qualifier: Qualifier) -> Count:
    if qualifier == "at_least":
        return {"value": n, "low": n, "high": None, "qualifier": "at_least"}
    if qualifier == "at_most":
        return {"value": n, "low": None, "high": n, "qualifier": "at_most"}
    if qualifier == "approx":
        return {"value": n, "low": None, "high": None, "qualifier": "approx"}
    return _exact(n)


UNKNOWN: Count = {"value": None, "low": None, "high": None, "qualifier": "unknown"}


def _is_not_a_count(words: list[str], at: int, used: int, text: str) -> bool:
    """Ages, distances, percentages: '12-year-old', '5 km', '25%'."""
    following = " ".join(words[at + used : at + used + 2])
    return bool(NON_COUNT_SUFFIX.match(following))


def normalize_count(text: str) -> Count:
    """Normalize the count of one casualty span (see the module docstring for the rules)."""
    words = _words(text)
    i = 0
    qualifier: Qualifier = "exact"
    # Skip filler and collect one qualifier, in either order ("a further nearly 20" is rare).
    for _ in range(3):
        for phrase, qual in QUALIFIERS:
            if _starts_with(words, phrase, i) and _read_or_vague(words, i + len(phrase.split())):
                qualifier = qual
                i += len(phrase.split())
                break
        else:
            for phrase in sorted(SKIPPABLE, key=lambda p: -len(p.split())):
                if _starts_with(words, phrase, i) and _read_or_vague(words, i + len(phrase.split())):
                    i += len(phrase.split())
                    break
            else:
                break

    for phrase, (n, qual) in sorted(VAGUE.items(), key=lambda kv: -len(kv[0].split())):
        if _starts_with(words, phrase, i):
            return _qualified(n, qual if qualifier == "exact" else qualifier)
    for phrase, n in PAIRS.items():
        if _starts_with(words, phrase, i):
            return _exact(n)

    number = _read_number(words, i)
    if number is not None and not _is_not_a_count(words, i, number[1], text):
        value, used = number
        j = i + used
        rng = _read_range_end(words, j)
        if rng is not None and rng > value:
            return {"value": value, "low": value, "high": rng, "qualifier": "range"}
        return _qualified(value, qualifier)
    if _starts_with(words, "between", i):
        low = _read_number(words, i + 1)
        if low is not None:
            j = i + 1 + low[1]
            if j < len(words) and words[j] == "and":
                high = _read_number(words, j + 1)
                if high is not None:
                    return {"value": low[0], "low": low[0], "high": high[0], "qualifier": "range"}

    if i == 0 and words and (words[0] in SINGULAR_DETERMINERS or _starts_with(words, "a single")):
        head = _head_noun(words)
        if head and not _looks_plural(head):
            return _exact(1)
    # A count later in the span ("civilians, at least 12 of them", "the bodies of six gunmen") is
    # still the span's count: digits anywhere, number words right after "of".
    for j in range(i + 1, len(words)):
        if _is_digits(words[j]) or (words[j - 1] == "of" and words[j] in NUMBER_WORDS):
            number = _read_number(words, j)
            if number and not _is_not_a_count(words, j, number[1], text):
                before = " ".join(words[max(0, j - 3) : j])
                qual = next((q for p, q in QUALIFIERS if before.endswith(p)), "exact")
                return _qualified(number[0], qual)
    return dict(UNKNOWN)  # type: ignore[return-value]


def _read_or_vague(words: list[str], at: int) -> bool:
    if at >= len(words):
        return False
    if _read_number(words, at) is not None or words[at] in SKIPPABLE or words[at] in {"a", "an"}:
        return True
    return any(_starts_with(words, p, at) for p in VAGUE) or _starts_with(words, "between", at)


def _read_range_end(words: list[str], at: int) -> int | None:
    """``to 15``, ``- 15``, ``or 15`` after a first number."""
    if at < len(words) and words[at] in {"to", "-", "–", "—", "or"}:
        end = _read_number(words, at + 1)
        if end is not None:
            return end[0]
    return None


def _head_noun(words: list[str]) -> str | None:
    """The last word before a comma, relative clause or preposition: 'an officer of the army'."""
    stop = {",", "who", "which", "that", "of", "in", "from", "at", "on", "including", "and", "with", "("}
    head = None
    for w in words[1:]:
        if w in stop:
            break
        if w.isalpha() or "-" in w:
            head = w
    return head


def _looks_plural(noun: str) -> bool:
    noun = noun.split("-")[-1]
    return noun in PLURAL_NOUNS_WITHOUT_S or (noun.endswith("s") and not noun.endswith("ss"))


_PREFIX_WORDS = sorted(
    {p for p, _ in QUALIFIERS} | SKIPPABLE | set(VAGUE) | set(PAIRS) | NUMBER_WORDS
    | {"a", "an", "one", "between", "to", "or", "of", "dozen", "score"} | set(UNITS),
    key=lambda p: -len(p),
)
_TENS = "twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety"
_ONES = "one|two|three|four|five|six|seven|eight|nine"
_LEADING = re.compile(
    rf"^(?:(?:{_TENS})-(?:{_ONES})\b(?!-)|(?:" + "|".join(re.escape(p) for p in _PREFIX_WORDS) + r")\b(?!-)|\d[\d,.]*(?![-\w])|[-–—,;:()]|\s)+",
    re.I,
)


def victim_text(text: str) -> str:
    """The casualty span without its count: who the victims were.

    >>> victim_text("at least seven Afghan intelligence personnel")
    'Afghan intelligence personnel'
    >>> victim_text("24, including mothers and infants"), victim_text("18"), victim_text("dozens of people")
    ('including mothers and infants', '', 'people')
    """
    return _LEADING.sub("", text).strip()
