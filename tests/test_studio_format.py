
import pytest

from toll.models.text.document import Document, Entity, Relation
from toll.models.common.errors import CorpusError
from toll.models.text.studio_config import labeling_config
from toll.models.text.studio_files import read_documents
from toll.models.text.studio_format import document_to_task, dumps_tasks, task_to_document

TEXT = "Gunmen killed two guards in Kano, police said."


def test_corpus_files_round_trip_byte_for_byte(repo):
    files = sorted((repo / "data" / "corpus").glob("*.json"))
    assert files, "the corpus is empty"
    for path in files:
        docs = read_documents(path)
        tasks = [document_to_task(d) for d in docs]
        assert dumps_tasks(tasks) == path.read_text(encoding="utf-8"), path.name


def test_real_export_reads_newest_uncancelled_annotation_and_left_relations():
    task = {
        "id": 7, "data": {"text": TEXT}, "meta": {"batch": 3},
        "annotations": [
            {"id": 1, "was_cancelled": False, "updated_at": "2026-01-01T00:00:00Z", "result": []},
            {"id": 2, "was_cancelled": False, "updated_at": "2026-02-01T00:00:00Z", "completed_by": 4, "result": [
                {"id": "Xa1", "from_name": "label", "to_name": "text", "type": "labels", "origin": "manual",
                 "value": {"start": 0, "end": 6, "text": "Gunmen", "labels": ["ACTOR"]}},
                {"id": "Xc1", "from_name": "label", "to_name": "text", "type": "labels",
                 "value": {"start": 14, "end": 24, "text": "two guards", "labels": ["KILLED"]}},
                {"from_id": "Xa1", "to_id": "Xc1", "type": "relation", "direction": "left",
                 "labels": ["perpetrator"]},
            ]},
            {"id": 3, "was_cancelled": True, "updated_at": "2026-03-01T00:00:00Z", "result": []},
        ],
    }
    doc = task_to_document(task, "export.json")
    assert doc.id == "task-7" and doc.meta["annotation_id"] == 2
    assert [(e.id, doc.span_text(e), e.label) for e in doc.entities] == [
        ("Xa1", "Gunmen", "ACTOR"), ("Xc1", "two guards", "KILLED")]
    assert doc.relations == (Relation("Xc1", "Xa1", "perpetrator"),)
    again = task_to_document(document_to_task(doc), "again")
    assert (again.entities, again.relations, again.meta["task_meta"]) == (doc.entities, doc.relations, {"batch": 3})


def test_span_text_not_matching_offsets_is_reported():
    task = {"id": 1, "data": {"text": TEXT}, "annotations": [{"id": 1, "result": [
        {"id": "a", "type": "labels", "value": {"start": 0, "end": 6, "text": "Gunman", "labels": ["ACTOR"]}}]}]}
    with pytest.raises(CorpusError, match=r"export.json: task 1 .*'Gunman' does not match text\[0:6\] = 'Gunmen'"):
        task_to_document(task, "export.json")


def test_offsets_outside_text_are_reported():
    task = {"id": 1, "data": {"text": "short"}, "annotations": [{"id": 1, "result": [
        {"id": "a", "type": "labels", "value": {"start": 2, "end": 50, "labels": ["ACTOR"]}}]}]}
    problems = []
    task_to_document(task, "f.json", problems)
    assert "outside the text (length 5)" in str(problems[0])


def test_truncated_export_names_the_file(tmp_path):
    path = tmp_path / "export.json"
    path.write_text('[{"id": 1, "data": {"text": "x"}')
    with pytest.raises(CorpusError, match=r"export.json: not valid JSON .*truncated"):
        read_documents(path)


def test_labeling_config_has_relation_children(schema):
    xml = labeling_config(schema)
    assert '<Relations name="relations" toName="text">' in xml
    assert '<Relation value="perpetrator"/>' in xml and "<Label value=\"perpetrator\"" not in xml
    for label in schema.entity_labels:
        assert f'<Label value="{label}"' in xml


def test_predictions_carry_scores():
    doc = Document("d", TEXT, (Entity("a", 0, 6, "ACTOR", score=0.912345),))
    region = document_to_task(doc)["annotations"][0]["result"][0]
    assert region["score"] == 0.9123
