"""Output stays linear in the number of figures (conflicts by group), and refused runs leave no litter."""

import io
import json
import sys

import pytest

from toll.models.text.document import Document, Entity
from toll.models.inference.outputs import JsonlWriter, partial_path
from toll.models.inference.cli import main
from toll.models.inference.records import casualty_records, toll_groups


def figures(n: int) -> list[dict]:
    """``n`` casualty records about the same victims: every count differs from every other (the
    worst case: each conflicts with all), and every tenth restates the figure before it."""
    records = []
    for i in range(n):
        value = 100 + (i - 1 if i % 10 == 0 and i else i)
        text = f"{value} civilians"
        records.append({"type": "killed", "count": {"value": value, "low": value, "high": value, "qualifier": "exact"},
                        "entity": f"T{i + 1}", "text": text, "start": 30 * i, "end": 30 * i + len(text),
                        "victim": "civilians", "score": 0.9, "sentence": f"Officials said {text} were killed.",
                        "perpetrators": [], "sources": ["Officials"], "locations": [], "dates": [], "weapons": []})
    return records


def output_size(n: int) -> tuple[int, int]:
    """Bytes of a document's output line and of its ``tolls`` for ``n`` figures."""
    records = figures(n)
    tolls = toll_groups(records)
    line = json.dumps({"id": "d", "casualties": records, "tolls": tolls}, ensure_ascii=False)
    return len(line), len(json.dumps(tolls))


def test_output_grows_linearly_with_the_number_of_figures():
    small, small_tolls = output_size(1_000)
    large, large_tolls = output_size(3_000)
    assert large / small < 4, (small, large)  # linear: ~3; listing every conflict made it ~9
    assert large_tolls / small_tolls < 4, (small_tolls, large_tolls)
    assert large < 3_000 * 1_000  # about half a kilobyte per figure, not 72 MB


def test_figures_about_the_same_victims_with_different_counts_share_a_conflict_group():
    tolls = toll_groups(figures(30))
    assert len(tolls) == 28  # figures 10 and 20 restate 9 and 19
    assert {t["conflict_group"] for t in tolls} == {"C1"}
    restated = next(t for t in tolls if t["count"]["value"] == 109)
    assert restated["mentions"] == ["T10", "T11"] and restated["sources"] == ["Officials"]
    assert all("conflicts_with" not in t for t in tolls)


def test_conflict_groups_on_a_document():
    text = ("Police said 12 people were killed and 3 soldiers wounded. The ministry said 15 people were killed. "
            "AFP counted 12 people dead and two injured.")

    def span(words, after=0):
        start = text.index(words, after)
        return start, start + len(words)

    entities = [Entity("T1", *span("12 people"), "KILLED"), Entity("T2", *span("3 soldiers"), "INJURED"),
                Entity("T3", *span("15 people"), "KILLED"), Entity("T4", *span("12 people", 60), "KILLED"),
                Entity("T5", *span("two"), "INJURED")]
    from toll.models.text.schema import Schema

    tolls = toll_groups(casualty_records(Document("d", text, tuple(entities)), Schema.load()))
    view = [(t["type"], t["count"]["value"], t["victim"], t["mentions"], t["conflict_group"]) for t in tolls]
    assert view == [("killed", 12, "people", ["T1", "T4"], "C1"),  # restated by AFP, conflicts with 15
                    ("injured", 3, "soldiers", ["T2"], None),
                    ("killed", 15, "people", ["T3"], "C1"),
                    ("injured", 2, "", ["T5"], None)]  # no victim named: nothing to conflict with


def test_types_and_victims_are_grouped_apart():
    def record(entity, kind, value, victim):
        return {"type": kind, "count": {"value": value, "low": value, "high": value, "qualifier": "exact"},
                "entity": entity, "victim": victim, "sources": []}

    tolls = toll_groups([record("T1", "killed", 5, "police officers"), record("T2", "killed", 7, "police officers"),
                         record("T3", "injured", 9, "police officers"), record("T4", "injured", 11, "police officers"),
                         record("T5", "killed", 4, "civilians"), record("T6", "killed", None, "police officers")])
    assert [t["conflict_group"] for t in tolls] == ["C1", "C1", "C2", "C2", None, None]


# -- refused runs leave no litter --------------------------------------------------------------
def run(capsys, *argv):
    code = main([*map(str, argv), "--backend", "torch", "--no-progress"])
    return code, capsys.readouterr().err


@pytest.fixture
def binary(tmp_path):
    path = tmp_path / "image.txt"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00")
    return path


def test_a_writer_that_wrote_nothing_leaves_nothing(tmp_path):
    out = tmp_path / "sub" / "pred.jsonl"
    JsonlWriter(out, resume=False).close()
    JsonlWriter(out, resume=True).close()
    assert not out.exists() and not partial_path(out).exists()


def test_a_refusal_after_the_model_loads_leaves_no_partial_file(smoke_model, tmp_path, capsys, monkeypatch, binary):
    out = tmp_path / "pred.jsonl"
    code, err = run(capsys, binary, "--model", smoke_model, "--out", out, "--dedupe-ids")
    assert code == 2 and "image.txt: looks like a binary file" in err
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b'{"id": "a", "text": \n')))
    code, err = run(capsys, "-", "--model", smoke_model, "--out", out)
    assert code == 2 and "<stdin>: line 1:" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["image.txt"]


def test_a_refused_run_keeps_an_earlier_partial_file_and_a_finished_output(smoke_model, tmp_path, capsys, binary):
    out = tmp_path / "pred.jsonl"
    partial = partial_path(out)
    earlier = '{"id": "a", "entities": [], "relations": [], "casualties": [], "tolls": []}\n'
    partial.write_text(earlier)
    for extra in (["--resume"], []):  # a resumed run, and a fresh one, both refused
        code, _ = run(capsys, binary, "--model", smoke_model, "--out", out, "--dedupe-ids", *extra)
        assert code == 2
        assert partial.read_text() == earlier and not out.exists()
    partial.rename(out)  # a finished output, resumed by a refused run: left where it is
    code, _ = run(capsys, binary, "--model", smoke_model, "--out", out, "--dedupe-ids", "--resume")
    assert code == 2 and out.read_text() == earlier and not partial.exists()
