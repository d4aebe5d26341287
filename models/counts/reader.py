"""The reader behind :func:`toll.models.counts.normalize_count`: the forms a count takes, the head noun.

It reads the tokens of :func:`toll.models.counts.numbers.words`, numbers with
:func:`~toll.models.counts.numbers.number_at`; the numbers and word lists of a convention are
:mod:`toll.models.counts.conventions`.

>>> from toll.models.counts.conventions import convention_named
>>> from toll.models.counts.numbers import words
>>> Reader(words("nearly 20 civilians"), convention_named("literal")).read()
{'value': 20, 'low': None, 'high': None, 'qualifier': 'approx'}
>>> Reader(words("her parents"), convention_named("literal")).read()
{'value': 2, 'low': 2, 'high': 2, 'qualifier': 'exact'}
"""

from __future__ import annotations

import re
from typing import Literal, TypedDict

from toll.models.counts import conventions as cc
from toll.models.counts.conventions import NUMBER_WORDS, PLURAL_UNITS, Convention
from toll.models.counts.numbers import DIGITS, MULTIPLIERS, Number, number_at, plural_digits

Qualifier = Literal["exact", "at_least", "at_most", "approx", "range", "unknown"]


class Count(TypedDict):
    value: int | None
    low: int | None
    high: int | None
    qualifier: Qualifier


def _longest_first(items):
    """Phrases (or (phrase, x) pairs) with the most words first: the scanner tries them in order."""
    return sorted(items, key=lambda it: -len((it if isinstance(it, str) else it[0]).split()))


_QUALIFIERS = _longest_first([(p, kind) for kind, ps in cc.QUALIFIERS.items() for p in ps])
QUALIFIER_KIND = dict(_QUALIFIERS)
_TRAILING = _longest_first(cc.TRAILING.items())
_QUANTIFIERS = _longest_first(cc.QUANTIFIERS.items())
_ROUGH_UNITS = _longest_first(cc.ROUGH_UNITS.items())
_SKIPPABLE = _longest_first(cc.SKIPPABLE)
NON_COUNT_AFTER = re.compile(
    r"^(?:- )?(?:years?\b|year-|years-|months?\b|month-|weeks?\b|week-|days?\b|day-|hours?\b|minutes?\b|"
    r"km\b|kms\b|kilomet|miles?\b|metres?\b|meters?\b|mm\b|kg\b|%|percent|per\b|a\.m|p\.m|am\b|pm\b|"
    r"o'clock)")


class Reader:
    """One span's words and the convention; each method reads one form at a word index."""

    def __init__(self, words: list[str], rules: Convention):
        self.w, self.rules = words, rules

    def at(self, i: int, phrase: str) -> bool:
        parts = phrase.split()
        return self.w[i : i + len(parts)] == parts

    def read(self) -> Count:
        start = next((k for k, t in enumerate(self.w) if t not in {"(", "[", "'", "`"}), len(self.w))
        i, kind = self.lead(start)
        found = (self.zero(i, kind) or self.between(i) or self.vague(i, kind) or self.group(i)
                 or self.number(i, kind))
        if found or any(self.at(i, p) for p in cc.NO_NUMBER):
            return found or _unknown()
        return self.person(start) or self.later(i) or _unknown()

    def lead(self, i: int) -> tuple[int, str | None]:
        """Skip filler and collect one qualifier, in either order ("a further nearly 20")."""
        kind = None
        for _ in range(4):
            phrase = next((p for p, k in _QUALIFIERS if kind is None and self.at(i, p)
                           and self.readable(i + len(p.split()))), None)
            if phrase is not None:
                kind = QUALIFIER_KIND[phrase]
            else:
                phrase = next((p for p in _SKIPPABLE if self.at(i, p) and self.readable(i + len(p.split()))), None)
                if phrase is None:
                    break
            i += len(phrase.split())
        return i, kind

    def readable(self, j: int) -> bool:
        """Whether a count can start at ``j`` (so that what precedes it is filler or a qualifier)."""
        if j >= len(self.w):
            return False
        return (number_at(self.w, j) is not None or self.w[j] in {"a", "an", "half", "between", "both", "the", "other"}
                or self.plural_unit(j) is not None or any(self.at(j, p) for p, _ in (*_QUANTIFIERS, *_ROUGH_UNITS))
                or any(self.at(j, p) and self.readable(j + len(p.split())) for p, _ in _QUALIFIERS))

    def qualified(self, n: int, kind: str) -> Count:
        if kind == "more_than":
            kind, n = "at_least", n + self.rules.more_than_step
        elif kind == "fewer_than":
            kind, n = "at_most", max(0, n - self.rules.fewer_than_step)
        low = n if kind == "at_least" else None
        high = n if kind == "at_most" else None
        if kind not in {"at_least", "at_most", "approx"}:
            kind, low, high = "exact", n, n
        return {"value": n, "low": low, "high": high, "qualifier": kind}  # type: ignore[typeddict-item]

    # -- the forms a count can take where it starts -------------------------------------------------

    def zero(self, i: int, kind: str | None) -> Count | None:
        phrase = next((p for p in cc.ZERO if self.at(i, p)), None)
        if kind or phrase is None:
            return None
        after = i + len(phrase.split())
        if phrase == "no" and after < len(self.w) and (self.w[after] in {".", "#"} or number_at(self.w, after)):
            return None  # "No. 4", "no 93": a number, not a quantity
        return self.qualified(0, "exact")

    def between(self, i: int) -> Count | None:
        """``between 20 and 30``: the first "and" that leaves a number on each side ("between one
        hundred and two hundred", where text2num alone would read "one hundred and two")."""
        if not self.at(i, "between"):
            return None
        for k in range(i + 2, len(self.w)):
            if self.w[k] in {"and", "-", "to"}:
                low, high = number_at(self.w, i + 1, limit=k), number_at(self.w, k + 1)
                found = low is not None and high is not None and low.end == k and self.range(low, high)
                if found:
                    return found
        return None

    def range(self, low: Number, high: Number) -> Count | None:
        start = low.value
        if high.scale > 1 and low.scale == 1 and start < high.scale:
            start *= high.scale  # "two or three hundred": the scale belongs to both
        if high.value <= start:
            return None
        return {"value": start, "low": start, "high": high.value, "qualifier": "range"}

    def vague(self, i: int, kind: str | None) -> Count | None:
        """Quantifiers ("several hundred"), plural units ("dozens"), rough units ("a dozen")."""
        w = self.w
        for phrase, (n, own) in _QUANTIFIERS:
            if self.at(i, phrase):
                j = i + len(phrase.split())
                while j < len(w) and (w[j] in MULTIPLIERS or w[j] in PLURAL_UNITS):
                    n *= MULTIPLIERS.get(w[j]) or PLURAL_UNITS[w[j]]  # "several hundred", "a few dozen"
                    j += 1
                return self.qualified(n, kind or own)
        if i + 1 < len(w) and w[i] in {"many", "numerous"} and w[i + 1] in PLURAL_UNITS:
            i += 1  # "many thousands": a plural unit
        unit = self.plural_unit(i)
        if unit is not None:
            return self.qualified(self.rules.plural_unit_times * unit, kind or "at_least")
        for phrase, n in _ROUGH_UNITS:
            if self.at(i, phrase) and not self.at(i + len(phrase.split()), "and"):
                return self.qualified(n, kind or "approx")
        return None

    def plural_unit(self, i: int) -> int | None:
        """``dozens``, ``100s``, ``hundreds of thousands``: the unit (times the units after "of")."""
        unit = PLURAL_UNITS.get(self.w[i]) or plural_digits(self.w, i) if i < len(self.w) else None
        j = i + 1
        while unit is not None and self.at(j, "of") and self.plural_unit(j + 1) is not None:
            unit *= PLURAL_UNITS.get(self.w[j + 1]) or plural_digits(self.w, j + 1)  # type: ignore[operator]
            j += 2
        return unit

    def group(self, i: int) -> Count | None:
        """``both``, ``a pair of``, ``a couple``; ``a family of five`` reads what follows "of"."""
        if self.at(i, "both") or self.at(i, "a pair of") or (self.at(i, "a couple") and not self.at(i, "a couple of")):
            return self.qualified(2, "exact")
        j = i + 1 if i < len(self.w) and self.w[i] in {"a", "an", "one"} | cc.DEFINITE else i
        if j < len(self.w) and self.w[j] in cc.COLLECTIVES and self.at(j + 1, "of"):
            return Reader(self.w[j + 2 :], self.rules).read()  # "a group of soldiers": unknown
        return None

    def number(self, i: int, kind: str | None) -> Count | None:
        """A number, and what follows it: "20-plus", "30 or so", "20 to 30", "two or three"."""
        num = number_at(self.w, i)
        if num is None or self.not_a_count(i, num):
            return None
        for phrase, trailing in _TRAILING:
            if self.at(num.end, phrase):
                return self.qualified(num.value, kind or trailing)
        if num.end < len(self.w) and self.w[num.end] in {"to", "-", "or"}:
            high = number_at(self.w, num.end + 1)
            found = high is not None and not self.not_a_count(num.end + 1, high) and self.range(num, high)
            if found:
                return found
        return self.qualified(num.value, kind or "exact")

    def not_a_count(self, i: int, num: Number) -> bool:
        """Ages, durations, distances, percentages, ordinals, decades: "12-year-old", "aged 12", "5 km"."""
        if num.suffix or (i > 0 and self.w[i - 1] in cc.NON_COUNT_BEFORE):
            return True
        return bool(NON_COUNT_AFTER.match(" ".join(self.w[num.end : num.end + 2])))

    # -- when no count starts the span --------------------------------------------------------------

    def person(self, start: int) -> Count | None:
        """One person described or named ("a 12-year-old boy", "the mayor", "my uncle", "Jacob Blake"),
        or a noun that carries a size ("her parents", "an elderly couple", "twin brothers")."""
        w = self.w[start:]
        first = "a" if w and (w[0] in cc.INDEFINITE or self.at(start, "a single")) else w[0] if w else ""
        head, at = _head(w)
        if head is None:
            return self.qualified(1, "exact") if first == "a" and w[0] == "another" else None
        if head in cc.COLLECTIVES or first in cc.NOT_ONE:
            return None
        size = cc.GROUP_SIZES.get(head) or (2 if "twin" in w[:at] and _looks_plural(head) else None)
        if size or first == "a":
            return self.qualified(size or 1, "exact")  # an indefinite article is singular: "a youth"
        if first not in cc.DEFINITE and self.count_before_comma(start):
            return None  # a bare phrase with a count in it is no name: "closer to 40"
        if _looks_plural(head) and not (self.at(start + _comma(w) + 1, "a") or self.at(start + _comma(w) + 1, "an")):
            return None  # a plural, unless an appositive says "a ...": "Habib Akdas, a man"
        return self.qualified(1, "exact")  # a definite or possessive singular, or a bare one: a name, a title

    def count_before_comma(self, start: int) -> bool:
        for j in range(start, len(self.w)):
            if self.w[j] == ",":
                return False
            num = number_at(self.w, j) if j == start or self.w[j - 1] not in NUMBER_WORDS else None
            if num is not None and not self.not_a_count(j, num):
                return True
        return False

    def later(self, i: int) -> Count | None:
        """A count later in the span ("civilians, at least 12 of them", "the bodies of six gunmen"):
        digits anywhere, number words right after "of" or a qualifier."""
        w = self.w
        for j in range(i + 1, len(w)):
            kind = next((k for p, k in _QUALIFIERS if w[max(0, j - len(p.split())) : j] == p.split()), None)
            if DIGITS.fullmatch(w[j]) or (w[j] in NUMBER_WORDS and (w[j - 1] == "of" or kind)):
                num = number_at(self.w, j)
                if num and not self.not_a_count(j, num):
                    return self.qualified(num.value, kind or "exact")
        return None


def _unknown() -> Count:
    return {"value": None, "low": None, "high": None, "qualifier": "unknown"}


def _comma(words: list[str]) -> int:
    return words.index(",") if "," in words else len(words)


def _head(words: list[str]) -> tuple[str | None, int]:
    """The head noun and its index: the last word before a comma, clause or preposition, ages skipped
    ("the 12-year-old", with no other noun, has the age as its noun)."""
    head, age = None, None
    for k, w in enumerate(words):
        if w in cc.HEAD_STOPS and k > 0:
            break
        if (w[:1].isalpha() and w not in cc.NOT_HEADS and w not in cc.INDEFINITE and w not in cc.DEFINITE
                and w not in NUMBER_WORDS):
            head = (w, k)
        elif w.endswith("-old"):
            age = (w, k)
    return head or age or (None, 0)


def _looks_plural(noun: str) -> bool:
    if noun.startswith(("al-", "el-", "abu-", "bin-", "ibn-")):
        return False  # "al-Muhandis": a name
    noun = noun.split("-")[-1]
    return (noun in cc.PLURAL_NOUNS_WITHOUT_S or (noun.endswith("s") and not noun.endswith(("ss", "us")))
            or (noun.endswith(("men", "people", "folk")) and noun not in {"specimen", "regimen", "abdomen", "omen"}))
