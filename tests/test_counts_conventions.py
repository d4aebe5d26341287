"""The two reading conventions of count normalization: documented as they run, and ordered.

``literal`` (the default) and ``acled`` differ only in how much a plural unit ("dozens") and a
strict bound ("more than 30") stand for; they agree on every qualifier, and ACLED's conservative
reading is never above the literal one.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from toll.models.common.markdown_sections import read_section
from toll.models.counts import normalize_count
from toll.models.counts.conventions import CONVENTIONS, DEFAULT, describe, markdown_table

ROOT = Path(__file__).resolve().parents[1]
# Words that make counts, so that generated spans exercise the rules rather than miss them.
PIECES = ["a", "an", "the", "one", "two", "seven", "twenty", "twenty-three", "hundred", "thousand", "and",
          "or", "to", "-", "between", "more than", "at least", "over", "up to", "fewer than", "about", "dozens",
          "dozen", "several", "a few", "of", "no", "none", "12", "200", "1,200", "1 200", "5k", "2.3m", "1990s",
          "100s", "+", "plus", "odd", "12-year-old", "aged", "family", "couple", "twins", "people", "boy",
          "mayor", ",", "half", "tens", "scores", "thousands", "hundreds", "many", "nearly", "or so", "3.5"]
spans = st.lists(st.sampled_from(PIECES), max_size=10).map(" ".join)


@pytest.mark.parametrize("path, heading", [("README.md", "Counts"), ("data/GUIDELINES.md", "Reading counts")])
def test_documented_table_is_what_the_normalizer_does(path, heading):
    section = read_section(ROOT / path, heading)
    assert section, f"{path} has no '## {heading}' section"
    assert markdown_table() in section, f"{path} '## {heading}': paste `python -m toll.models.counts` output"


def test_default_convention_is_literal():
    assert DEFAULT == "literal" and set(CONVENTIONS) == {"literal", "acled"}
    for text in ("dozens of people", "more than 30", "a family of five"):
        assert normalize_count(text) == normalize_count(text, convention="literal")


def test_the_conventions_part_where_the_documents_say():
    assert normalize_count("dozens of people")["value"] == 24
    assert normalize_count("dozens of people", convention="acled")["value"] == 12
    assert normalize_count("more than 30")["value"] == 31
    assert normalize_count("more than 30", convention="acled")["value"] == 30
    assert normalize_count("fewer than 30", convention="acled")["value"] == 29  # 30 would overstate


def test_describe_names_value_qualifier_and_bounds():
    assert describe(normalize_count("at least 7")) == "7 (at_least: ≥7)"
    assert describe(normalize_count("10-15 people")) == "10 (range: 10–15)"
    assert describe(normalize_count("civilians")) == "– (unknown)"


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=spans | st.text(max_size=60))
def test_acled_is_never_above_literal_and_keeps_the_qualifier(text):
    literal, acled = normalize_count(text), normalize_count(text, convention="acled")
    assert acled["qualifier"] == literal["qualifier"]
    if literal["value"] is not None:
        assert 0 <= acled["value"] <= literal["value"]
    if literal["qualifier"] == "range":
        assert literal["low"] < literal["high"]


@settings(max_examples=300, deadline=None)
@given(text=spans)
def test_capitals_never_change_the_reading(text):
    assert normalize_count(text.upper()) == normalize_count(text)


def test_records_read_counts_by_the_chosen_convention():
    from toll.models.text.document import Document, Entity
    from toll.models.inference.records import casualty_records
    from toll.models.text.schema import Schema

    text = "Dozens of people were killed in Kano."
    doc = Document("a", text, (Entity("c", 0, len("Dozens of people"), "KILLED"),), (), {})
    assert casualty_records(doc, Schema.load())[0]["count"]["value"] == 24
    assert casualty_records(doc, Schema.load(), convention="acled")[0]["count"]["value"] == 12


def test_toll_predict_offers_the_conventions():
    from toll.models.inference.cli import build_parser

    assert build_parser().parse_args(["x.txt", "--model", "m", "--count-convention", "acled"]).count_convention == "acled"
    with pytest.raises(SystemExit):
        build_parser().parse_args(["x.txt", "--model", "m", "--count-convention", "guess"])
