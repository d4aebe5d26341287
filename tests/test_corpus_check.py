import json


from toll.training.corpus.files import load_corpus
from toll.models.text.document import Document, Entity, Relation
from toll.models.text.studio_format import document_to_task, dumps_tasks

TEXT = "Gunmen killed two guards in Kano on Friday, police said."


def good_doc(doc_id="a1", task_id=1):
    return Document(doc_id, TEXT,
                    (Entity("a", 0, 6, "ACTOR"), Entity("c", 14, 24, "KILLED"), Entity("l", 28, 32, "LOCATION"),
                     Entity("s", TEXT.index("police"), TEXT.index("police") + 6, "SOURCE")),
                    (Relation("c", "a", "perpetrator"), Relation("c", "s", "source")),
                    {"task_id": task_id, "data": {"article_id": doc_id}})


def write_corpus(tmp_path, docs, splits=None, tasks_override=None):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for i, doc in enumerate(docs):
        task = document_to_task(doc)
        if tasks_override and doc.id in tasks_override:
            task = tasks_override[doc.id](task)
        (corpus / f"{doc.id}.json").write_text(dumps_tasks([task]))
    splits_path = tmp_path / "splits.json"
    splits_path.write_text(json.dumps(splits or {"train": [d.id for d in docs], "dev": [], "test": []}))
    return corpus, splits_path


def problems_for(tmp_path, schema, docs, **kw):
    corpus, splits = write_corpus(tmp_path, docs, **kw)
    return [str(p) for p in load_corpus(corpus, splits, schema).problems]


def test_clean_corpus_has_no_problems(tmp_path, schema):
    assert problems_for(tmp_path, schema, [good_doc()]) == []


def test_unknown_label(tmp_path, schema):
    doc = good_doc()
    doc = doc.with_annotations([*doc.entities[:3], Entity("s", 44, 50, "REPORTER")], doc.relations[:1])
    (p,) = problems_for(tmp_path, schema, [doc])
    assert "a1.json (a1)" in p and "span s [44, 50) 'police': unknown label 'REPORTER'" in p


def test_relation_to_missing_region(tmp_path, schema):
    doc = good_doc()
    doc = doc.with_annotations(doc.entities, [Relation("c", "zz", "source")])
    (p,) = problems_for(tmp_path, schema, [doc])
    assert "refers to missing region(s) zz" in p


def test_relation_type_pair_not_allowed(tmp_path, schema):
    doc = good_doc()
    doc = doc.with_annotations(doc.entities, [Relation("c", "l", "perpetrator")])
    (p,) = problems_for(tmp_path, schema, [doc])
    assert "'perpetrator' does not allow KILLED -> LOCATION" in p


def test_overlapping_spans(tmp_path, schema):
    doc = good_doc()
    doc = doc.with_annotations([*doc.entities, Entity("c2", 18, 24, "KILLED")], doc.relations)
    (p,) = problems_for(tmp_path, schema, [doc])
    assert "spans c KILLED [14, 24) and c2 KILLED [18, 24) overlap" in p


def test_whitespace_edged_span(tmp_path, schema):
    doc = good_doc()
    doc = doc.with_annotations([*doc.entities, Entity("d", 35, 42, "DATE")], doc.relations)
    (p,) = problems_for(tmp_path, schema, [doc])
    assert "' Friday': span starts or ends with whitespace" in p


def test_span_text_mismatch_names_file_task_and_span(tmp_path, schema):
    def corrupt(task):
        task["annotations"][0]["result"][1]["value"]["text"] = "two guard"
        return task
    problems = problems_for(tmp_path, schema, [good_doc()], tasks_override={"a1": corrupt})
    assert any("a1.json: task 1 (a1): region c" in p and "'two guard' does not match" in p for p in problems)


def test_duplicate_task_ids_and_articles_in_two_splits(tmp_path, schema):
    docs = [good_doc("a1", 1), Document("a2", TEXT + " More.", (), (), {"task_id": 1, "data": {"article_id": "a2"}})]
    problems = problems_for(tmp_path, schema, docs, splits={"train": ["a1", "a2"], "test": ["a1"]})
    assert any("task id 1 duplicates" in p for p in problems)
    assert any("article 'a1' is in both train and test" in p for p in problems)


def test_same_text_twice_is_a_duplicate_article(tmp_path, schema):
    docs = [good_doc("a1", 1), Document("a2", TEXT, (), (), {"task_id": 2, "data": {"article_id": "a2"}})]
    problems = problems_for(tmp_path, schema, docs)
    assert any("same text as article 'a1'" in p for p in problems)


def test_truncated_file_is_reported_not_fatal(tmp_path, schema):
    corpus, splits = write_corpus(tmp_path, [good_doc()])
    (corpus / "broken.json").write_text('[{"id": 9, "data": {"text": ')
    problems = [str(p) for p in load_corpus(corpus, splits, schema).problems]
    assert any("broken.json" in p and "not valid JSON" in p for p in problems)


def test_project_corpus_passes_the_check(repo):
    from toll.training.cli import main

    assert main(["configs/default.yaml", "--check"]) == 0
