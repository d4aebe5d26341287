"""Readers of public corpora: real counts on ../shared/datasets, span texts against the originals,
mappings onto the schema, and errors that name the bad file. Dataset tests skip when it is absent."""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import pytest

from toll.models.text.document import Document, Entity, Relation
from toll.models.common.errors import ConfigError, CorpusError
from toll.models.text.schema import Schema
from toll.models.text.validation import check_document
from toll.training.corpus.readers import (
    apply_mapping, dataset_root, default_mapping, load_mapping, read_conflibert_muc4,
    read_conflibert_re3d, read_muc4_templates, read_polnear, read_re3d,
)
from toll.training.corpus.readers import muc4, polnear, re3d
from toll.training.corpus.readers.mapping import MAPPINGS_DIR, LabelMapping
from toll.training.corpus.readers.muc4_keys import fill_counts

SKIP = "../shared/datasets not found: set TOLL_DATASETS"
CASUALTY = {"KILLED", "INJURED", "CASUALTIES"}


def _root(name: str) -> Path:
    try:
        return dataset_root(name)
    except CorpusError:
        pytest.skip(SKIP)


def _labels(docs: list[Document]) -> dict[str, int]:
    return dict(Counter(e.label for d in docs for e in d.entities))


def _norm(text: str) -> str:
    return " ".join(text.split()).upper()


def assert_well_formed(docs: list[Document]) -> None:
    for doc in docs:
        ids = [e.id for e in doc.entities]
        assert len(ids) == len(set(ids)), doc.id
        for e in doc.entities:
            assert 0 <= e.start < e.end <= len(doc.text), (doc.id, e)
        for r in doc.relations:
            doc.entity(r.head), doc.entity(r.tail)
        assert "corpus" in doc.meta and isinstance(doc.meta["annotated_labels"], list)


def assert_maps_cleanly(docs: list[Document], corpus: str, schema: Schema) -> list[Document]:
    label_mapping = default_mapping(corpus)
    mapped = [apply_mapping(d, label_mapping, schema) for d in docs]
    problems = [p for d in mapped for p in check_document(d, schema)]
    assert problems == []
    assert all(d.meta["annotated_labels"] == list(label_mapping.annotated_labels) for d in mapped)
    return mapped


# --- re3d ---------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def re3d_docs() -> list[Document]:
    return list(read_re3d(_root("re3d")))


def test_re3d_counts_documents_entities_and_relations(re3d_docs):
    assert len(re3d_docs) == 98
    assert _labels(re3d_docs) == {
        "Organisation": 1425, "Location": 818, "Person": 523, "Temporal": 227, "Quantity": 184,
        "Weapon": 103, "MilitaryPlatform": 65, "DocumentReference": 59, "Nationality": 52,
        "Money": 24, "Vehicle": 13, "CommsIdentifier": 4, "Frequency": 3,
    }
    assert sum(len(d.relations) for d in re3d_docs) == 1267
    dropped = sum((Counter(d.meta["dropped"]) for d in re3d_docs), Counter())
    assert dropped == {
        "entity_low_confidence": 1338, "relation_low_confidence": 103, "relation_end_not_kept": 60}
    assert_well_formed(re3d_docs)


def test_re3d_span_texts_equal_the_original_values(re3d_docs):
    root = _root("re3d")
    values = {}
    for path in root.glob("*/entities.json"):
        for line in path.read_text(encoding="utf-8-sig").splitlines():
            if line.strip():
                record = json.loads(line)
                values[record["_id"]] = record["value"]
    exact = normalised = 0
    for doc in re3d_docs:
        for e in doc.entities:
            if doc.span_text(e) == values[e.id]:
                exact += 1
            else:  # re3d's value straightens curly quotes and turns newlines into spaces
                assert _norm(re.sub("[“”\"]", "'", doc.span_text(e))) == _norm(values[e.id])
                normalised += 1
    assert (exact, normalised) == (3497, 3)


def test_re3d_maps_onto_schema(re3d_docs, schema):
    mapped = assert_maps_cleanly(re3d_docs, "re3d", schema)
    assert _labels(mapped) == {"ACTOR": 1215, "LOCATION": 783, "DATE": 225, "WEAPON": 98}
    assert sum(len(d.relations) for d in mapped) == 0  # re3d has no casualty spans to start from
    assert not any(d.span_text(e).lower() in {"we", "they", "it"} for d in mapped for e in d.entities)


def _conll_spans(path: Path) -> list[list[tuple[str, str]]]:
    """(label, tokens joined by spaces) per sentence, read straight from the CoNLL file."""
    sentences, rows = [], []
    for line in path.read_text(encoding="utf-8").splitlines() + [""]:
        if line.strip():
            rows.append(line.strip().split("\t"))
            continue
        if rows:
            spans: list[tuple[str, list[str]]] = []
            previous = "O"
            for token, tag in rows:
                if tag.startswith("B-") or (tag.startswith("I-") and previous[2:] != tag[2:]):
                    spans.append((tag[2:], [token]))
                elif tag.startswith("I-"):
                    spans[-1][1].append(token)
                previous = tag
            sentences.append([(label, " ".join(tokens)) for label, tokens in spans])
            rows = []
    return sentences


@pytest.mark.parametrize(
    "split,sentences,entities", [("train", 574, 2021), ("dev", 191, 697), ("test", 200, 676)])
def test_conflibert_re3d_split_counts(split, sentences, entities):
    docs = read_conflibert_re3d(_root("conflibert"), split)
    assert (len(docs), sum(len(d.entities) for d in docs)) == (sentences, entities)
    assert_well_formed(docs)


def test_conflibert_re3d_test_spans_equal_the_bio_tokens(schema):
    root = _root("conflibert")
    docs = read_conflibert_re3d(root, "test")
    assert _labels(docs) == {
        "Organisation": 284, "Location": 155, "Person": 106, "Temporal": 46, "Quantity": 30,
        "Weapon": 17, "MilitaryPlatform": 16, "Nationality": 10, "DocumentReference": 8, "Money": 4,
    }
    expected = _conll_spans(root / "data" / "re3d" / "test.txt")
    assert [[(e.label, d.span_text(e)) for e in d.entities] for d in docs] == expected
    assert all("  " not in d.text for d in docs)
    mapped = assert_maps_cleanly(docs, "re3d", schema)
    assert _labels(mapped) == {"ACTOR": 253, "LOCATION": 152, "DATE": 46, "WEAPON": 17}


# --- MUC-4 --------------------------------------------------------------------------------

def test_conflibert_muc4_test_fillers_found_and_not_found(schema):
    root = _root("conflibert")
    docs = read_conflibert_muc4(root, "test")
    assert len(docs) == 200
    assert {k: dict(v) for k, v in fill_counts(docs).items()} == {
        "PerpInd": {"found": 148}, "PerpOrg": {"found": 84}, "Victim": {"found": 95},
        "Target": {"found": 139, "not_found": 6}, "Weapon": {"found": 61},
    }
    assert _labels(docs) == {"PerpInd": 291, "Target": 222, "PerpOrg": 203, "Weapon": 98, "Victim": 97}
    assert sum(d.meta["overlaps_dropped"] for d in docs) == 326
    assert_well_formed(docs)
    raw = json.loads((root / "data" / "muc4" / "test.json").read_text(encoding="utf-8"))
    for doc in docs:
        mentions = {(muc4.ROLES[role], _norm(m)) for role, fillers in raw[doc.id]["roles"].items()
                    for filler in fillers for m in filler}
        for e in doc.entities:
            assert (e.label, _norm(doc.span_text(e))) in mentions, (doc.id, e)
    mapped = assert_maps_cleanly(docs, "muc4", schema)
    assert set(_labels(mapped)) == {"ACTOR", "WEAPON"}


def test_conflibert_muc4_split_sizes_and_fill_totals():
    root = _root("conflibert")
    totals = {}
    for split in ("train", "dev"):
        docs = read_conflibert_muc4(root, split)
        counts = fill_counts(docs)
        totals[split] = (len(docs), sum(c["found"] for c in counts.values()),
                         sum(c["not_found"] for c in counts.values()))
    assert totals == {"train": (1300, 1752, 23), "dev": (200, 330, 3)}


@pytest.fixture(scope="module")
def muc4_docs() -> list[Document]:
    return list(read_muc4_templates(_root("muc4")))


def test_muc4_templates_located_and_not_located_fills(muc4_docs):
    assert len(muc4_docs) == 1700
    assert {k: dict(v) for k, v in fill_counts(muc4_docs).items()} == {
        "victim": {"located": 1106, "not_located": 210},
        "perpetrator": {"located": 1888, "not_located": 8},
        "location": {"located": 1222, "not_located": 290},
        "date": {"located": 623, "not_located": 891},
    }
    assert _labels(muc4_docs) == {"ACTOR": 3151, "LOCATION": 2590, "KILLED": 1025, "DATE": 787,
                                  "INJURED": 263, "CASUALTIES": 59}
    assert sum(1 for d in muc4_docs if any(e.label in CASUALTY for e in d.entities)) == 607
    agree = sum((Counter(d.meta["count_agrees"]) for d in muc4_docs), Counter())
    assert agree == {"yes": 908, "no": 63}  # located spans whose count equals the key's number (named victims read as 1)
    assert_well_formed(muc4_docs)
    assert all(d.meta["annotated_labels"] == [] for d in muc4_docs)  # untemplated != O


def test_muc4_templates_test_split_spans_come_from_the_keys(muc4_docs, schema):
    docs = [d for d in muc4_docs if d.meta["split"] in muc4.SPLITS["test"]]
    assert [d.id for d in docs] == [d.id for d in read_muc4_templates(_root("muc4"), "test")]
    assert len(docs) == 200
    assert _labels(docs) == {"ACTOR": 473, "LOCATION": 330, "KILLED": 121, "DATE": 99, "INJURED": 48,
                             "CASUALTIES": 27}
    assert dict(Counter(r.label for d in docs for r in d.relations)) == {
        "location": 241, "perpetrator": 219, "date": 64}
    keys = {}
    jsonl = _root("muc4") / "muc4_templates_with_casualties.jsonl"
    for line in jsonl.read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        keys[record["docid"]] = record["templates"]
    for doc in docs:
        victims = {_norm(s) for t in keys[doc.id]
                   for entry in t["hum_tgt_effect"] + t["hum_tgt_description"] for s in entry["strings"]}
        perps = {_norm(s) for t in keys[doc.id] for p in t["perp_individual"] + t["perp_organization"]
                 for s in p["strings"]}
        for e in doc.entities:
            text = _norm(doc.span_text(e))
            if e.label in CASUALTY:
                assert any(v in text for v in victims), (doc.id, text)
            elif e.label == "ACTOR":
                assert re.sub(r"^(THE|AN?) ", "", text) in perps or text in perps, (doc.id, text)
        for r in doc.relations:
            assert schema.allows(r.label, doc.entity(r.head).label, doc.entity(r.tail).label)
    assert_maps_cleanly(docs, "muc4", schema)


# --- PolNeAR ------------------------------------------------------------------------------

@pytest.mark.parametrize("split,docs_,labels,sources", [
    ("train", 840, {"Content": 23296, "Cue": 19835, "Source": 17221}, 13193),
    ("dev", 84, {"Content": 2515, "Cue": 2192, "Source": 1952}, 1504),
    ("test", 84, {"Content": 2354, "Cue": 2044, "Source": 1740}, 1377),
])
def test_polnear_split_counts_and_mapping(split, docs_, labels, sources, schema):
    docs = list(read_polnear(_root("polnear"), split))
    assert len(docs) == docs_ and _labels(docs) == labels
    assert_well_formed(docs)
    mapped = assert_maps_cleanly(docs, "polnear", schema)
    assert _labels(mapped) == {"SOURCE": sources}  # bare pronouns ("he", "she", "who") dropped


def test_polnear_dev_fragments_equal_brat_text_column():
    root = _root("polnear")
    docs = list(read_polnear(root, "dev"))
    checked = 0
    for doc in docs:
        ann = (root / "data" / "dev" / "attributions" / f"{doc.id}_{doc.meta['annotator']}.ann")
        lines = re.finditer(r"^(T\d+)\t\S+ [\d ;]+\t(.*)$", ann.read_text(encoding="utf-8"), re.M)
        column = {m[1]: m[2] for m in lines}
        pieces: dict[str, list[str]] = {}
        for e in doc.entities:
            pieces.setdefault(e.id.split(".")[0], []).append(doc.span_text(e))
        for tid, texts in pieces.items():
            if "\n" not in " ".join(texts):  # a newline inside a span also splits brat's line
                assert " ".join(texts) == column[tid], (doc.id, tid)
                checked += 1
    assert checked > 6000
    assert sum(1 for d in docs for e in d.entities if "." in e.id) == 320  # fragments of split spans


def test_polnear_all_annotators_gives_one_document_per_ann_file():
    docs = list(read_polnear(_root("polnear"), "dev", all_annotators=True))
    assert len(docs) == 94 and len({d.id for d in docs}) == 94


# --- mappings, errors, environment (no dataset needed) -----------------------------------

@pytest.mark.parametrize("corpus", ["re3d", "muc4", "polnear"])
def test_mapping_files_load_and_fit_the_schema(corpus, schema):
    m = load_mapping(MAPPINGS_DIR / f"{corpus}.yaml")
    m.check(schema)
    assert m.corpus == corpus and all(reason for reason in m.unmapped.entities.values())


def test_mapping_unknown_key_is_an_error_naming_file_and_key(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("corpus: x\nentities: {A: ACTOR}\nannotated: [ACTOR]\n")
    with pytest.raises(ConfigError, match=r"bad.yaml: annotated: unknown key"):
        load_mapping(path)


def test_mapping_label_both_mapped_and_unmapped_is_rejected(tmp_path):
    path = tmp_path / "both.yaml"
    path.write_text("corpus: x\nentities: {A: ACTOR}\nunmapped: {entities: {A: no reason}}\n")
    with pytest.raises(ConfigError, match="both mapped and unmapped"):
        load_mapping(path)


def test_apply_mapping_keeps_only_relations_the_schema_allows(schema):
    text = "Gunmen killed two farmers"
    entities = (Entity("a", 0, len("Gunmen"), "PerpInd"),
                Entity("k", len("Gunmen killed "), len(text), "KILLED"))
    doc = Document("d", text, entities,
                   (Relation("k", "a", "perpetrator"), Relation("a", "k", "perpetrator")))
    mapped = apply_mapping(doc, default_mapping("muc4"), schema)
    assert [(r.head, r.label, r.tail) for r in mapped.relations] == [("k", "perpetrator", "a")]
    assert mapped.meta["mapping_dropped"]["relations"] == 1


def test_apply_mapping_rejects_a_label_the_mapping_does_not_name(schema):
    doc = Document("d", "Paris", (Entity("e", 0, 5, "Galaxy"),))
    with pytest.raises(CorpusError, match="'Galaxy' is neither mapped nor unmapped"):
        apply_mapping(doc, LabelMapping(corpus="toy"), schema)


def test_bad_re3d_json_names_the_file_and_line(tmp_path):
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "documents.json").write_text('{"_id": "d1", "text": "abc"}\n{oops\n')
    (tmp_path / "sub" / "entities.json").write_text("")
    (tmp_path / "sub" / "relations.json").write_text("")
    with pytest.raises(CorpusError, match=r"documents.json:2: not valid JSON"):
        list(read_re3d(tmp_path))


def test_re3d_entity_outside_the_text_names_entities_json(tmp_path):
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "documents.json").write_text('{"_id": "d1", "text": "abc"}\n')
    (tmp_path / "sub" / "entities.json").write_text(
        '{"_id": "e1", "documentId": "d1", "begin": 1, "end": 9, "type": "Location", "confidence": 1}\n')
    (tmp_path / "sub" / "relations.json").write_text("")
    with pytest.raises(CorpusError, match=r"entities.json: entity e1: offsets outside"):
        list(read_re3d(tmp_path))


def test_bad_conll_line_names_file_and_line():
    with pytest.raises(CorpusError, match=r"toy.txt:2: expected 'token<TAB>tag'"):
        re3d.conll_documents(["Kabul\tB-Location", "a\tb\tc"], "toy.txt", "toy")


def test_brat_offsets_that_miss_their_text_name_the_ann_file():
    with pytest.raises(CorpusError, match=r"x.ann: T1: offsets 0 3 do not give the text"):
        polnear.brat_document("d", "Police said", "T1\tSource 0 3\tPolice\n", "x.ann")


def test_bad_muc4_files_are_corpus_errors(tmp_path):
    (tmp_path / "data" / "muc4").mkdir(parents=True)
    (tmp_path / "data" / "muc4" / "test.json").write_text("[1, 2]")
    with pytest.raises(CorpusError, match=r"test.json: expected"):
        read_conflibert_muc4(tmp_path, "test")
    (tmp_path / "muc4_templates_with_casualties.jsonl").write_text('{"docid": "D1"}\n')
    with pytest.raises(CorpusError, match=r"jsonl:1: not a MUC-4 key record"):
        list(read_muc4_templates(tmp_path))


def test_dataset_root_prefers_toll_datasets(tmp_path, monkeypatch):
    (tmp_path / "polnear").mkdir()
    monkeypatch.setenv("TOLL_DATASETS", str(tmp_path))
    assert dataset_root("polnear") == tmp_path / "polnear"


def test_dataset_root_error_names_both_places(tmp_path, monkeypatch):
    monkeypatch.setenv("TOLL_DATASETS", str(tmp_path))
    with pytest.raises(CorpusError) as err:
        dataset_root("no-such-corpus")
    assert str(tmp_path / "no-such-corpus") in str(err.value)
    assert str(Path("shared") / "datasets" / "no-such-corpus") in str(err.value)


