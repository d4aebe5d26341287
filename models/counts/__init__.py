"""Casualty counts: the text of a casualty span -> ``{"value", "low", "high", "qualifier"}``.

``qualifier`` is one of ``exact``, ``at_least``, ``at_most``, ``approx``, ``range``, ``unknown``.
``value`` is the single figure a data coder would enter; it is never above what the text supports:

- ``exact``: value = low = high ("seven soldiers", "1 200", "12K", "a family of five"); one person
  named or described ("the mayor", "a 12-year-old boy") is 1, "none of the passengers" is 0.
- ``at_least``: value = low ("at least 7", "20-plus", "more than 30", "dozens", "several").
- ``at_most``: value = high, low unknown ("up to 30", "fewer than 10").
- ``approx``: value = the figure, bounds unknown ("about 40", "nearly 100", "a dozen").
- ``range``: value = low, the conservative end ("between 10 and 15", "10-15", "two or three").
- ``unknown``: no figure ("civilians", "many people", "an unknown number of soldiers").

How vague plurals and strict bounds become numbers is a *convention* (``convention=``, the
numbers in :mod:`toll.models.counts.conventions`): ``literal`` (the default) reads the smallest figure
the words allow ("dozens" = at least 24, "more than 30" = at least 31); ``acled`` follows ACLED's
conservative coding ("dozens" = 12, "more than 30" = 30). Case does not matter: wire copy in
capitals reads like mixed case.

Number words go through the maintained ``text2num`` package, which reads English number words
with "and" and hyphens in any case ("ONE HUNDRED AND TWENTY", "twenty-three", "twelve hundred").
This package does what it does not: it finds where the number phrase ends (text2num reads only a
whole phrase and refuses "twenty and thirty", so the longest readable start is taken), reads
"a hundred and ..." (text2num wants "one"), digits with group separators or abbreviations
("1 200", "1.200", "5k", "2.3m", "3.5 thousand"), units ("two dozen") and the words around the
number.

>>> normalize_count("at least seven Afghan intelligence personnel")
{'value': 7, 'low': 7, 'high': None, 'qualifier': 'at_least'}
>>> normalize_count("24, including mothers and infants")
{'value': 24, 'low': 24, 'high': 24, 'qualifier': 'exact'}
>>> normalize_count("between 10 and 15 civilians")
{'value': 10, 'low': 10, 'high': 15, 'qualifier': 'range'}
>>> normalize_count("dozens of people")
{'value': 24, 'low': 24, 'high': None, 'qualifier': 'at_least'}
>>> normalize_count("dozens of people", convention="acled")
{'value': 12, 'low': 12, 'high': None, 'qualifier': 'at_least'}
>>> normalize_count("a soldier")
{'value': 1, 'low': 1, 'high': 1, 'qualifier': 'exact'}
"""

from __future__ import annotations

import re

from toll.models.counts.conventions import DEFAULT, NUMBER_WORDS, convention_named
from toll.models.counts.numbers import words
from toll.models.counts.reader import Count, Qualifier, Reader

__all__ = ["Count", "Qualifier", "normalize_count", "victim_text"]


def normalize_count(text: str, convention: str = DEFAULT) -> Count:
    """Normalize the count of one casualty span (the module docstring says how).

    ``convention`` is ``"literal"`` (the default) or ``"acled"`` (:mod:`toll.models.counts.conventions`).

    >>> normalize_count("MORE THAN 30 SOLDIERS")
    {'value': 31, 'low': 31, 'high': None, 'qualifier': 'at_least'}
    >>> normalize_count("more than 30 soldiers", convention="acled")
    {'value': 30, 'low': 30, 'high': None, 'qualifier': 'at_least'}
    """
    return Reader(words(text), convention_named(convention)).read()


# What victim_text strips: count words, qualifiers and determiners. Kept as it was before the
# conventions, so that records' "victim" (and the toll groups keyed on it) do not move.
_PREFIX_WORDS = sorted(set(NUMBER_WORDS - {"billion"}) | {
    "a", "a couple", "a couple of", "a dozen", "a few", "a further", "a handful of", "a hundred", "a maximum of",
    "a minimum of", "a number of", "a pair of", "a score", "a thousand", "a total of", "about", "additional",
    "all", "all the", "almost", "also", "an", "an additional", "an approximate", "an estimated", "another",
    "approximately", "around", "around about", "as many as", "at least", "at most", "between", "both",
    "close to", "dozen", "dozens", "estimated", "fewer than", "further", "half a dozen", "her", "his",
    "hundreds", "hundreds of thousands", "in excess of", "its", "just", "just over", "just under",
    "less than", "millions", "more than", "nearly", "no fewer than", "no less than", "no more than",
    "not less than", "not more than", "of", "one", "only", "or", "our", "over", "remaining", "roughly",
    "score", "scores", "several", "some", "tens of thousands", "the", "the remaining", "their", "these",
    "those", "thousands", "to", "total of", "twin", "under", "up to", "upwards of"}, key=lambda p: -len(p))
_TENS = "twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety"
_ONES = "one|two|three|four|five|six|seven|eight|nine"
_LEADING = re.compile(
    rf"^(?:(?:{_TENS})-(?:{_ONES})\b(?!-)|(?:" + "|".join(re.escape(p) for p in _PREFIX_WORDS)
    + r")\b(?!-)|\d[\d,.]*(?:k|m|bn|mn|mln|\+)?(?![-\w])|[-–—,;:()]|\s)+",
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
