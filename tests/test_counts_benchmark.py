"""python -m toll.eval.benchmarks.counts on answer keys written here (no MUC-4 text): alignment, scoring, output.

The records imitate ``muc4_templates_with_casualties.jsonl``: a dateline, then wire copy, and templates
whose victims carry a number (slot 21).
"""

from __future__ import annotations

import json

import pytest

from toll.eval.benchmarks import counts as bench

TEXT = ("   PORT ELLIS, 4 MAR 91 (CITY RADIO) -- [TEXT] GUNMEN FIRED ON A FERRY AT DAWN. AT LEAST SIX "
        "DECKHANDS DIED AND TWO OTHER DECKHANDS WERE HURT. THE HARBOUR MASTER, LENA VOSS, WAS ALSO KILLED. "
        "RESCUERS SAID DOZENS OF PASSENGERS ESCAPED.")


def template(*victims):
    return {"hum_tgt_number": [{"prefix": n, "strings": list(s), "raw": ""} for n, s in victims]}


RECORD = {"docid": "W-1", "split": "dev", "text": TEXT, "templates": [
    template(("6", ["DECKHANDS"]), ("1", ["LENA VOSS"]), ("PLURAL", ["PASSENGERS"]), ("3", ["DIVERS"])),
    template(("6", ["DECKHANDS"])),  # the same victim and number again: one key
]}


def test_widen_takes_the_count_words_and_drops_dangling_connectors():
    assert TEXT[bench.widen(TEXT, TEXT.index("DECKHANDS")):].startswith("AT LEAST SIX DECKHANDS")
    text = "THE DEATH OF THE TWO DRIVERS"
    assert text[bench.widen(text, text.index("DRIVERS")):] == "THE TWO DRIVERS"
    text = "SOLDIERS SAID THAT DRIVERS"
    assert bench.widen(text, text.index("DRIVERS")) == text.index("DRIVERS")


def test_numeric_keys_skip_plural_and_repeats():
    keys = bench.numeric_keys(RECORD)
    assert [(k.number, k.strings) for k in keys] == [(6, ("DECKHANDS",)), (1, ("LENA VOSS",)), (3, ("DIVERS",))]


def test_align_prefers_the_occurrence_with_a_number_in_front():
    body = TEXT.index("[TEXT]") + len("[TEXT]")
    start, end = bench.align(TEXT, ["DECKHANDS"], body)
    assert TEXT[start:end] == "AT LEAST SIX DECKHANDS"
    start, end = bench.align(TEXT, ["LENA VOSS"], body)
    assert TEXT[start:end] == "LENA VOSS"
    assert bench.align(TEXT, ["DIVERS"], body) is None


@pytest.fixture
def datasets(tmp_path, monkeypatch):
    folder = tmp_path / "muc4"
    folder.mkdir()
    other = {**RECORD, "docid": "W-2", "split": "tst1"}  # not the train folder: left out
    (folder / bench.KEYS_FILE).write_text("\n".join(json.dumps(r) for r in (RECORD, other)) + "\n")
    monkeypatch.setenv("TOLL_DATASETS", str(tmp_path))
    return folder


def test_keys_scored_and_only_counts_printed(datasets, tmp_path, capsys):
    baseline = tmp_path / "counts_before.py"
    baseline.write_text("def normalize_count(text):\n"
                        "    return {'value': None, 'low': None, 'high': None, 'qualifier': 'unknown'}\n")
    table = tmp_path / "phrases.yaml"
    table.write_text('x:\n  - ["seven soldiers", 7, 7, 7, exact]\n  - ["dozens", 24, 24, null, at_least, '
                     '{acled: [12, 12, null, at_least]}]\n')
    assert bench.main(["--baseline", str(baseline), "--table", str(table)]) == 0
    out = capsys.readouterr().out
    assert "(1 documents)" in out
    assert "| keys with a numeric count | 3 | 3 | 3 |" in out
    assert "| aligned to a phrase (coverage) | 2 (66.7%) | 2 (66.7%) | 2 (66.7%) |" in out
    # before: nothing read; after: "AT LEAST SIX DECKHANDS" = 6 and the name = 1, both conventions
    assert "| exact match, of aligned keys | 0 (0.0%) | 2 (100.0%) | 2 (100.0%) |" in out
    assert "| exact match (value, low, high, qualifier) | 0 (0.0%) | 2 (100.0%) | 2 (100.0%) |" in out
    assert "DECKHANDS" not in out.upper() and "VOSS" not in out.upper()


def test_missing_datasets_are_an_error_not_a_traceback(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("TOLL_DATASETS", str(tmp_path))
    monkeypatch.setattr(bench, "dataset_root", lambda name: (_ for _ in ()).throw(bench.CorpusError("no muc4")))
    assert bench.main([]) == 2
    assert capsys.readouterr().err.startswith("error: no muc4")
