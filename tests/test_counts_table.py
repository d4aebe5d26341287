"""The count normalizer against its phrase table (tests/counts_phrases.yaml), phenomenon by phenomenon.

Each row gives a phrase and its reading, [value, low, high, qualifier], under the default (literal)
convention, and under ACLED's coding where that differs. Rows are written for the table or are
casualty spans of the corpus's train and dev articles (``from: ID``, checked below); none comes from
the test splits or from MUC-4 text.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest
import yaml

from toll.models.counts import normalize_count

ROOT = Path(__file__).resolve().parents[1]
TABLE = ROOT / "tests" / "counts_phrases.yaml"
FIELDS = ("value", "low", "high", "qualifier")
CASUALTY = {"KILLED", "INJURED", "CASUALTIES"}
PHENOMENA = {"compound_numbers", "digit_groups", "zero", "one_person", "vague_words", "group_nouns",
             "plus_and_decades", "abbreviated", "open_ended", "ranges", "all_capitals", "no_count"}


def table() -> list[tuple[str, str, dict, dict, dict]]:
    """(phenomenon, phrase, literal reading, ACLED reading, extras) per row."""
    out = []
    for phenomenon, rows in yaml.safe_load(TABLE.read_text(encoding="utf-8")).items():
        for row in rows:
            extra = row[5] if len(row) > 5 else {}
            literal = dict(zip(FIELDS, row[1:5]))
            acled = dict(zip(FIELDS, extra["acled"])) if "acled" in extra else literal
            out.append((phenomenon, row[0], literal, acled, extra))
    return out


ROWS = table()
IDS = [f"{p}:{text}" for p, text, *_ in ROWS]


@pytest.mark.parametrize("phenomenon, text, literal, acled, extra", ROWS, ids=IDS)
def test_phrase_reads_as_the_table_says(phenomenon, text, literal, acled, extra):
    assert normalize_count(text) == literal
    assert normalize_count(text, convention="acled") == acled


@pytest.mark.parametrize("text", [text for _, text, *_ in ROWS], ids=IDS)
def test_all_capitals_read_like_mixed_case(text):
    assert normalize_count(text.upper()) == normalize_count(text) == normalize_count(text.lower())


def test_the_table_covers_every_phenomenon():
    per = Counter(p for p, *_ in ROWS)
    assert len(ROWS) >= 250
    assert set(per) == PHENOMENA
    assert min(per.values()) >= 10, per


def test_rows_are_well_formed():
    seen = Counter(text for _, text, *_ in ROWS)
    assert [t for t, n in seen.items() if n > 1] == []
    for _, text, literal, acled, extra in ROWS:
        assert set(extra) <= {"acled", "from"}, text
        for reading in (literal, acled):
            assert reading["qualifier"] in {"exact", "at_least", "at_most", "approx", "range", "unknown"}
            assert (reading["value"] is None) == (reading["qualifier"] == "unknown"), text


def test_corpus_rows_are_casualty_spans_of_train_or_dev_articles():
    splits = json.loads((ROOT / "data" / "splits.json").read_text(encoding="utf-8"))
    allowed, held_out = set(splits["train"]) | set(splits["dev"]), set(splits["test"]) | set(splits["test_written"])
    sourced = [(text, extra["from"]) for _, text, _, _, extra in ROWS if "from" in extra]
    assert len(sourced) >= 50
    for text, doc_id in sourced:
        assert doc_id in allowed and doc_id not in held_out, doc_id
        task = json.loads((ROOT / "data" / "corpus" / f"{doc_id}.json").read_text(encoding="utf-8"))[0]
        text_of = task["data"]["text"]
        spans = {text_of[r["value"]["start"] : r["value"]["end"]]
                 for annotation in task["annotations"] for r in annotation["result"]
                 if r.get("type") == "labels" and set(r["value"]["labels"]) & CASUALTY}
        assert text in spans, (doc_id, text)
