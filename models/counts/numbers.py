"""Tokens of a casualty span and the numbers in them: :func:`words` and :func:`number_at`.

Digits are read here, not by text2num: text2num reads number words only, and its alpha2digit
leaves "1 200", "5k", "2.3m" and "3.5 thousand" as they are. Number words go through text2num,
which reads only a whole phrase, so :func:`number_at` takes the longest start it reads.
What the numbers mean in a count is :mod:`toll.models.counts.reader`.

>>> tokens = words("At least 1 200 civilians, two dozen of them children")
>>> tokens
['at', 'least', '1,200', 'civilians', ',', 'two', 'dozen', 'of', 'them', 'children']
>>> number_at(tokens, 2), number_at(tokens, 5)
(Number(value=1200, end=3, suffix='', scale=1), Number(value=24, end=7, suffix='', scale=12))
>>> number_at(words("twenty and thirty"), 0), plural_digits(words("100s of people"), 0)
(Number(value=20, end=1, suffix='', scale=1), 100)
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import NamedTuple

from text_to_num import text2num

from toll.models.counts import conventions as cc
from toll.models.counts.conventions import NUMBER_WORDS, PLURAL_UNITS

MULTIPLIERS = {**cc.SCALES, **cc.UNITS}
_QUOTES = re.compile(r"[\"“”„«»]")
_GROUPED = re.compile(r"(?<![0-9.,])([0-9]{1,3})((?:[ \u00a0\u2009\u202f][0-9]{3})+)(?![0-9]|[.,][0-9])")
_DOTTED = re.compile(r"(?<![0-9.,])([0-9]{1,3})((?:\.[0-9]{3})+)(?![0-9]|[.,][0-9])"
                     r"(?!\s*(?:hundred|thousand|million|billion|mn|mln|bn|m|k)\b)")
_NUMBER = r"(?:[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)(?:\.[0-9]+)?"
_TOKEN = re.compile(rf"{_NUMBER}(?:k|bn|mn|mln|m|s|st|nd|rd|th)?(?![a-z0-9])|{_NUMBER}|[a-z]+(?:-[a-z]+)*|[^\sa-z0-9]")
DIGITS = re.compile(rf"({_NUMBER})(k|bn|mn|mln|m|s|st|nd|rd|th)?")


def words(text: str) -> list[str]:
    """Lower-cased tokens; digit groups joined ("1 200", "1.200" -> "1,200"), quotes dropped."""
    text = _QUOTES.sub(" ", text.lower().replace("’", "'").replace("–", "-").replace("—", "-"))
    text = _GROUPED.sub(lambda m: m.group(1) + re.sub(r"\D", ",", m.group(2)), text)
    text = _DOTTED.sub(lambda m: m.group(1) + m.group(2).replace(".", ","), text)
    out = []
    for token in _TOKEN.findall(text):
        head, _, last = token.rpartition("-")
        if head and last in ("odd", "plus") and all(p in NUMBER_WORDS for p in head.split("-")):
            out += [head, "-", last]  # "thirty-odd", "twenty-plus"
        else:
            out.append(token)
    return out


class Number(NamedTuple):
    value: int
    end: int  # index of the first word after the number
    suffix: str  # "s" (1990s, 100s) or an ordinal suffix; "" otherwise
    scale: int  # the unit or scale it ends with: 100 for "three hundred", 12 for "two dozen", 1 otherwise


def number_at(tokens: list[str], i: int, limit: int | None = None) -> Number | None:
    """The number starting at token ``i`` (and ending before ``limit``), with its scale or unit."""
    w = tokens if limit is None else tokens[:limit]
    if i >= len(w):
        return None
    m = DIGITS.fullmatch(w[i])
    if m:
        value, suffix = Decimal(m.group(1).replace(",", "")), m.group(2) or ""
        if suffix in ("s", "st", "nd", "rd", "th"):
            return Number(int(value), i + 1, suffix, 1)
        scale, j = cc.ABBREVIATIONS.get(suffix, 1), i + 1
        if scale == 1 and j < len(w) and (w[j] in MULTIPLIERS or w[j] in ("mn", "mln", "bn")):
            scale, j = MULTIPLIERS.get(w[j]) or cc.ABBREVIATIONS[w[j]], j + 1  # "3.5 thousand"
        return Number(int(value * scale), j, "", scale)
    # "a hundred and twenty": text2num reads "one hundred and twenty", not "a hundred"
    run = ["one"] if w[i] == "a" and i + 2 < len(w) and w[i + 1] in cc.SCALES and w[i + 2] == "and" else []
    j = i + len(run)
    while j < len(w) and all(p in NUMBER_WORDS for p in w[j].split("-")) and (j > i or w[j] != "and"):
        run.append(w[j])
        j += 1
    for k in range(len(run), 0, -1):  # the longest start text2num reads: "twenty" of "twenty and thirty"
        if run[k - 1] == "and" or (run[:k] == ["one"] and w[i] == "a"):
            continue
        try:
            value = text2num(" ".join(run[:k]), "en")
        except ValueError:
            continue
        end, scale = i + k, cc.SCALES.get(run[k - 1], 1)
        if end < len(w) and w[end] in cc.UNITS:
            value, scale, end = value * cc.UNITS[w[end]], cc.UNITS[w[end]], end + 1  # "two dozen"
        return Number(int(value), end, "", scale)
    return None


def plural_digits(tokens: list[str], i: int) -> int | None:
    """``10s``, ``100s``, ``1000s`` read as "tens", "hundreds", "thousands" (not "1990s", "20s")."""
    m = DIGITS.fullmatch(tokens[i]) if i < len(tokens) else None
    value = int(Decimal(m.group(1).replace(",", ""))) if m and m.group(2) == "s" else None
    return value if value in PLURAL_UNITS.values() else None
