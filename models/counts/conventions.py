"""How count words become numbers, as data: what :func:`toll.models.counts.normalize_count` reads.

Two conventions, chosen with ``normalize_count(text, convention=...)``:

- ``literal`` (the default): the smallest figure the words allow, with the bounds they state.
  A unit in the plural is at least two of it ("dozens" = at least 24, "hundreds" = at least 200,
  "tens of thousands" = at least 20,000); "more than 30" is at least 31; "fewer than 10" at most 9.
- ``acled``: ACLED's conservative coding. ACLED's FAQ on fatalities ("Fatalities", in *Uses and
  limitations of ACLED data*, acleddata.com, last updated May 2024) says that where reports give a
  vague estimate ACLED uses the most conservative estimate available, and codes 10 for "tens",
  12 for "dozens" and 100 for "hundreds", "and so on". Implemented as: a unit in the plural is the
  unit once ("scores" = 20, "thousands" = 1,000 and "tens of thousands" = 10,000 are the project's
  reading of "and so on"), and "more than N" is N (the project's reading of "most conservative":
  the figure the report states). Everything else reads as ``literal``: the project's reading, not
  ACLED's text, which says nothing more on these forms.

The conventions differ only in those two numbers (:class:`Convention`), so they agree on the
qualifier, and an ``acled`` value is never above the ``literal`` one. The table of
:func:`markdown_table` (every form, an example and both readings, computed by
``normalize_count``) is the one in README.md ("Counts") and data/GUIDELINES.md ("Reading
counts"); ``python -m toll.models.counts`` prints it, and a test checks both copies.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Convention:
    name: str
    plural_unit_times: int  # "dozens" = this many dozens, at least
    more_than_step: int  # "more than N" = at least N + this
    fewer_than_step: int  # "fewer than N" = at most N - this


CONVENTIONS: dict[str, Convention] = {
    "literal": Convention("literal", plural_unit_times=2, more_than_step=1, fewer_than_step=1),
    "acled": Convention("acled", plural_unit_times=1, more_than_step=0, fewer_than_step=1),
}
DEFAULT = "literal"


def convention_named(name: str) -> Convention:
    """The convention called ``name``; a ValueError naming the known ones otherwise."""
    try:
        return CONVENTIONS[name]
    except (KeyError, TypeError):
        raise ValueError(f"unknown count convention {name!r}: use one of {', '.join(CONVENTIONS)}") from None


# Kinds of qualifier: at_least (N included), more_than (N excluded), at_most, fewer_than, approx.
QUALIFIERS: dict[str, tuple[str, ...]] = {
    "at_least": ("at least", "no fewer than", "no less than", "not less than", "not fewer than",
                 "a minimum of", "at the very least"),
    "more_than": ("more than", "over", "upwards of", "upward of", "in excess of", "well over",
                  "just over", "above", "well above", "greater than"),
    "at_most": ("at most", "up to", "as many as", "no more than", "not more than", "a maximum of"),
    "fewer_than": ("fewer than", "less than", "under", "below", "just under"),
    "approx": ("about", "around", "roughly", "approximately", "some", "nearly", "almost", "close to", "closer to",
               "an estimated", "estimated", "around about", "an approximate", "approx", "circa",
               "more or less", "perhaps"),
}
# Forms after a number: "20-plus", "20+", "30 or more", "30-odd", "10 or so", "10 or fewer".
TRAILING: dict[str, str] = {
    "+": "at_least", "plus": "at_least", "- plus": "at_least", "or more": "at_least",
    "and more": "at_least", "or above": "at_least", "odd": "more_than", "- odd": "more_than",
    "or so": "approx", "or fewer": "at_most", "or less": "at_most",
}

# A unit in the plural: an unstated number of units ("dozens", "tens of thousands"; "100s" too).
PLURAL_UNITS: dict[str, int] = {"tens": 10, "dozens": 12, "scores": 20, "hundreds": 100,
                                "thousands": 1000, "millions": 1_000_000}
# Units and scales after a number: "two dozen", "three score", "3.5 thousand", "5k", "2.3m", "2.3 mln".
UNITS: dict[str, int] = {"dozen": 12, "score": 20}
SCALES: dict[str, int] = {"hundred": 100, "thousand": 1000, "million": 1_000_000, "billion": 10**9}
ABBREVIATIONS: dict[str, int] = {"k": 1000, "m": 1_000_000, "mn": 1_000_000, "mln": 1_000_000, "bn": 10**9}
# Quantifiers: the smallest number the word allows, alone or times a unit ("several hundred" = 300).
QUANTIFIERS: dict[str, tuple[int, str]] = {
    "several": (3, "at_least"), "a few": (2, "at_least"), "a number of": (2, "at_least"),
    "multiple": (2, "at_least"), "a couple of": (2, "approx"), "a handful of": (3, "approx"),
    "a handful": (3, "approx"),
}
# A unit with an article: a figure given roughly ("a dozen soldiers").
ROUGH_UNITS: dict[str, int] = {
    "a dozen": 12, "half a dozen": 6, "a half dozen": 6, "a half-dozen": 6, "a couple of dozen": 24,
    "a couple dozen": 24, "a score": 20, "a hundred": 100, "a thousand": 1000,
}
# Words that say there were people without any number: unknown in both conventions.
NO_NUMBER: tuple[str, ...] = ("many", "numerous", "a lot of", "lots of", "countless", "an unknown number",
                              "an undisclosed number", "an unspecified number", "unknown number",
                              "an untold number", "untold numbers")
ZERO: tuple[str, ...] = ("no one", "no-one", "nobody", "none", "not a single", "not one", "zero", "nil", "no")
# Nouns that carry their size ("an elderly couple", "her parents", "the twins").
GROUP_SIZES: dict[str, int] = {"couple": 2, "pair": 2, "twins": 2, "parents": 2, "triplets": 3,
                               "quadruplets": 4}
# Groups whose size comes after "of" ("a family of five"); without one they are unknown.
COLLECTIVES: frozenset[str] = frozenset(
    "family group team band party unit squad patrol household crew gang convoy busload crowd".split())


# The noun phrase around the count (not convention-dependent).
# Words that may precede a count without changing it ("another 12", "all seven crew", "my two sons").
SKIPPABLE: tuple[str, ...] = (
    "another", "a further", "an additional", "further", "additional", "the", "all", "all the", "all of the",
    "its", "their", "his", "her", "our", "my", "your", "these", "those", "total of", "a total of",
    "the remaining", "remaining", "only", "just", "also", "other", "the other", "a reported", "reportedly")
NUMBER_WORDS: frozenset[str] = frozenset(
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen "
    "seventeen eighteen nineteen twenty thirty forty fifty sixty seventy eighty ninety hundred thousand "
    "million billion and".split())
POSSESSIVES = frozenset({"his", "her", "their", "its", "our", "my", "your", "whose"})
DEFINITE = frozenset({"the", "this", "that"}) | POSSESSIVES
INDEFINITE = frozenset({"a", "an", "another", "single", "lone"})
# First words after which a noun names no single person ("some civilians", "those killed").
NOT_ONE = frozenset({"they", "them", "those", "these", "we", "us", "you", "all", "others", "everyone",
                     "everybody", "both", "some", "any", "more", "most", "such"})
# Heads without a plural -s that name several people, and adjectives used as nouns ("the dead").
PLURAL_NOUNS_WITHOUT_S = frozenset({
    "people", "police", "children", "men", "women", "personnel", "staff", "militia", "crew", "youth",
    "gentry", "folk", "cattle", "infantry", "taliban", "military", "army", "security", "clergy", "peasantry",
    "public", "population", "dead", "wounded", "injured", "killed", "missing", "deceased", "fallen",
    "displaced", "hurt", "slain", "more", "most", "some", "many", "few", "several", "other"})
# A number right after these is not a count ("aged 12", "No. 4", "Route 9").
NON_COUNT_BEFORE = frozenset({"aged", "age", "ages", "no", "number", "route", "highway", "flight", "page"})
# The head noun is the last word before one of these.
HEAD_STOPS = frozenset({
    ",", "who", "whom", "whose", "which", "that", "of", "in", "from", "at", "on", "including", "and", "with",
    "(", "[", ":", ";", "aged", "near", "inside", "outside", "during", "after", "before", "by", "for",
    "among", "as", "while", "when", "where", "/", "or"})
# Never a head: ages ("12-year-old"), units of measure, "no" of "No. 4".
NOT_HEADS = frozenset({
    "year", "years", "old", "year-old", "years-old", "month-old", "week-old", "day-old", "-", "'", "s",
    "aged", "age", "no", "km", "kms", "mile", "miles", "metre", "metres", "meter", "meters", "kilometre",
    "kilometres", "kilometer", "kilometers", "percent", "per", "cent", "am", "pm", "hour", "hours", "day",
    "days", "week", "weeks", "month", "months", "minute", "minutes"})


@dataclass(frozen=True)
class Row:
    forms: str
    example: str
    acled_source: str


# The documented table: one row per form, with an example read by normalize_count.
ROWS: tuple[Row, ...] = (
    Row("a number: digits, words, `1 200`, `5k`, `2.3m`, `one hundred and twenty`", "twenty-three soldiers", "as literal"),
    Row("`at least N`, `no fewer than N`, `N or more`, `N-plus`, `N+`", "at least 30 people", "as literal"),
    Row("`more than N`, `over N`, `upwards of N`, `in excess of N`, `N-odd`", "more than 30 people",
        "project: the figure stated"),
    Row("`more than a dozen`", "more than a dozen people", "project: the figure stated"),
    Row("`up to N`, `as many as N`, `at most N`, `no more than N`", "up to 30 people", "as literal"),
    Row("`fewer than N`, `less than N`, `under N`", "fewer than 30 people", "as literal: N would overstate"),
    Row("`about N`, `around N`, `some N`, `nearly N`, `almost N`, `an estimated N`, `N or so`",
        "nearly 30 people", "as literal"),
    Row("`N to M`, `N-M`, `between N and M`, `N or M`", "between 20 and 30 people", "as literal"),
    Row("`tens`", "tens of people", "ACLED FAQ: 10"),
    Row("`dozens`", "dozens of people", "ACLED FAQ: 12"),
    Row("`scores`", "scores of people", "project: ACLED's \"and so on\""),
    Row("`hundreds`, `100s`", "hundreds of people", "ACLED FAQ: 100"),
    Row("`thousands`, `1000s`", "thousands of people", "project: ACLED's \"and so on\""),
    Row("`tens of thousands`", "tens of thousands of people", "project: ACLED's \"and so on\""),
    Row("`hundreds of thousands`", "hundreds of thousands of people", "project: ACLED's \"and so on\""),
    Row("`several`", "several people", "as literal"),
    Row("`several` + unit", "several hundred people", "as literal"),
    Row("`a few`, `a number of`, `multiple`", "a few people", "as literal"),
    Row("`a few` + unit", "a few dozen people", "as literal"),
    Row("`a dozen`, `half a dozen`, `a score`, `a hundred`", "a dozen people", "as literal"),
    Row("`a couple of`, `a handful of`", "a handful of people", "as literal"),
    Row("`many`, `numerous`, `an unknown number of`", "many people", "as literal"),
    Row("`no`, `none of`, `nobody`, `no one`, `zero`", "none of the passengers", "as literal"),
    Row("one person: `a`/`the`/possessive + singular noun, a name", "a 12-year-old boy", "as literal"),
    Row("a group with its size: `a family of N`, `a group of N`", "a family of five", "as literal"),
    Row("nouns with a size: `a couple`, `a pair of`, `twins`, `parents`, `both`", "twins", "as literal"),
    Row("a plural without a number", "civilians", "as literal"),
)


def describe(count: dict) -> str:
    """One reading in words: ``24 (at_least: ≥24)``, ``20 (range: 20–30)``, ``– (unknown)``."""
    q, value, low, high = count["qualifier"], count["value"], count["low"], count["high"]
    bounds = {"at_least": f": ≥{low}", "at_most": f": ≤{high}", "range": f": {low}–{high}"}.get(q, "")
    return f"{'–' if value is None else value} ({q}{bounds})"


def markdown_table() -> str:
    """The conventions as a markdown table, each example read by ``normalize_count`` both ways."""
    from toll.models.counts import normalize_count

    lines = ["| written as | example | literal (default) | acled | acled reading from |",
             "|---|---|---|---|---|"]
    for row in ROWS:
        literal = describe(normalize_count(row.example, convention="literal"))
        acled = describe(normalize_count(row.example, convention="acled"))
        lines.append(f"| {row.forms} | {row.example} | {literal} | {acled} | {row.acled_source} |")
    return "\n".join(lines)
