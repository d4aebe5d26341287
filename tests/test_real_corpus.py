"""The real-text corpus: annotation batches, standoff records, the real splits and their freeze."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from toll.training.corpus.files import load_corpus, read_splits
from toll.models.text.schema import Schema
from toll.training.corpus import annotation_batches as batches
from toll.training.corpus.cli import main as toll_data
from toll.training.corpus.real_sources import RealItem
from toll.training.corpus.real_splits import incident_groups, kind
from toll.training.corpus.splits import stale_checksums

REPO = Path(__file__).resolve().parents[1]
SCHEMA = Schema.load()
TEXT = "Gunmen killed two guards in Kano on Friday, police said."
MARKUP = ("[[Gunmen|ACTOR#a1]] killed [[two guards|KILLED#c1]] in [[Kano|LOCATION#l1]] on Friday, "
          "[[police|SOURCE#s1]] said.\n=== relations ===\nc1 perpetrator a1\nc1 source s1\nc1 location l1\n")


def make(tmp_path: Path, committable: bool) -> Path:
    item = RealItem("muc4-x-0001" if not committable else "wcep-x-001", TEXT,
                    "muc4" if not committable else "wikipedia_current_events", "X-0001", committable, {"title": "t"})
    folder = tmp_path / "batch"
    batches.make_batch([item], folder)
    (folder / "done" / f"{item.id}.md").write_text(MARKUP, encoding="utf-8")
    return folder


def test_check_names_the_first_character_that_differs(tmp_path):
    folder = make(tmp_path, committable=True)
    (folder / "done" / "wcep-x-001.md").write_text(MARKUP.replace("Friday", "Fri day"), encoding="utf-8")
    ok, missing, problems = batches.check_batch(folder, SCHEMA)
    assert ok == [] and missing == []
    at = len("Gunmen killed two guards in Kano on Fri")
    assert f"at character {at}: markup has ' day" in str(problems[0])


def test_standoff_import_holds_no_text_and_joins_back(tmp_path):
    folder = make(tmp_path, committable=False)
    corpus, seeds, standoff = (tmp_path / d for d in ("corpus", "seeds", "standoff"))
    imported, problems = batches.import_batch(folder, SCHEMA, corpus, seeds, standoff)
    assert imported == ["muc4-x-0001"] and problems == []
    assert not corpus.exists() and not seeds.exists()
    raw = (standoff / "muc4-x-0001.json").read_text(encoding="utf-8")
    assert "Gunmen" not in raw and "guards" not in raw
    splits = tmp_path / "splits.json"
    splits.write_text(json.dumps({"train": ["muc4-x-0001"], "dev": [], "test": []}))
    corpus.mkdir()
    found = load_corpus(corpus, splits, SCHEMA, standoff=standoff, standoff_text=lambda rec: TEXT)
    doc = found.splits["train"][0]
    assert found.problems == [] and doc.span_text(doc.entities[1]) == "two guards"


def test_standoff_with_another_text_is_refused_and_without_its_dataset_is_skipped(tmp_path):
    folder = make(tmp_path, committable=False)
    corpus, standoff = tmp_path / "corpus", tmp_path / "standoff"
    batches.import_batch(folder, SCHEMA, corpus, tmp_path / "seeds", standoff)
    corpus.mkdir()
    splits = tmp_path / "splits.json"
    splits.write_text(json.dumps({"train": ["muc4-x-0001"], "dev": [], "test": []}))
    changed = load_corpus(corpus, splits, SCHEMA, standoff=standoff, standoff_text=lambda rec: TEXT + " Later.")
    assert any("SHA-256 differs" in str(p) for p in changed.problems)

    def absent(rec):
        from toll.models.common.errors import CorpusError
        raise CorpusError("dataset 'muc4' not found")
    missing = load_corpus(corpus, splits, SCHEMA, standoff=standoff, standoff_text=absent)
    assert missing.problems == [] and missing.splits["train"] == []
    assert "not found" in missing.skipped["muc4-x-0001"]


def test_new_articles_go_to_train_and_a_corpus_without_the_seed_article_splits(tmp_path, capsys):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(REPO / "data/corpus/001_logar_refugee_accounts.json", corpus)
    splits = tmp_path / "splits.json"
    assert toll_data(["split", "--corpus", str(corpus), "--standoff", str(tmp_path / "none"),
                      "--splits", str(splits)]) == 0
    content = json.loads(splits.read_text())
    assert content["train"] == ["001_logar_refugee_accounts"]


def test_a_hand_edited_test_split_is_refused(tmp_path, capsys):
    splits = tmp_path / "splits.json"
    content = json.loads((REPO / "data/splits.json").read_text())
    content["test"] = content["test"][1:]
    splits.write_text(json.dumps(content))
    assert toll_data(["split", "--splits", str(splits)]) == 2
    assert "no longer match their checksums" in capsys.readouterr().err


def test_committed_splits_are_frozen_and_real():
    content = json.loads((REPO / "data/splits.json").read_text())
    assert content["version"] >= 2
    assert stale_checksums(content) == [], "dev/test edited by hand: use toll-data split --rebuild-real"
    splits = read_splits(REPO / "data/splits.json")
    for name in ("dev", "test"):
        for article_id in splits[name]:
            path = REPO / "data/corpus" / f"{article_id}.json"
            if path.exists():
                data = json.loads(path.read_text())[0]["data"]
                assert kind(data) != "written", f"{article_id} is written for the project but in {name}"
    assert len(splits["test_written"]) == 25
    assert not set(splits["test_written"]) & set(splits["train"])


def test_items_of_one_incident_are_grouped():
    from toll.models.text.document import Document, Entity

    def doc(i, date, place):
        text = f"A bomb in {place} killed 3."
        return Document(i, text, (Entity("l", 10, 10 + len(place), "LOCATION"),), (),
                        {"data": {"origin": "wikipedia_current_events", "date": date}})
    docs = [doc("a", "2005-07-07", "London"), doc("b", "2005-07-09", "London"), doc("c", "2005-09-07", "London"),
            doc("d", "2005-07-08", "Leeds")]
    assert incident_groups(docs) == [["a", "b"], ["c"], ["d"]]


@pytest.mark.parametrize("content", ["[1, 2]", "[" * 100000, '{"id": 1' + "0" * 5000 + "}", "\"text\""])
def test_a_broken_standoff_record_is_a_problem_not_a_crash(tmp_path, content):
    from toll.training.corpus.files import load_standoff_dir

    (tmp_path / "x.json").write_text(content)
    problems: list = []
    assert load_standoff_dir(tmp_path, lambda rec: "", problems, {}) == {}
    assert len(problems) == 1 and "x.json" in str(problems[0])
