"""toll-studio: the Label Studio loop, offline and against a real Label Studio server.

The server tests (``@pytest.mark.slow``) start ``label-studio`` from ``.venv-studio`` (``make
studio``) through :mod:`tests.studio_server`; they skip with the reason when it is not installed.
Nothing here writes into the real ``data/`` or ``seeds/``: every pull goes to ``tmp_path``.

Push tests use an *oracle* pipeline that "predicts" the gold annotation of corpus articles with
fixed scores, so a round trip has something to carry (the smoke model predicts almost nothing).
The ML backend test runs the real ``toll-studio serve`` on the smoke model.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import xml.etree.ElementTree as ET
from dataclasses import replace
from pathlib import Path

import pytest

from toll.models.text.document import Document
from toll.models.inference.pipeline import Pipeline
from toll.models.inference.records import Prediction
from toll.models.text.schema import Schema
from toll.models.text.studio_config import labeling_config
from toll.models.text.studio_files import read_documents
from toll.models.text.studio_format import document_to_task, task_to_document
from toll.training.corpus.studio import predictions, projects
from toll.training.corpus.studio.backend import TollBackend, make_server
from toll.training.corpus.studio.cli import main
from toll.training.corpus.studio.connection import resolve_settings
from toll.training.corpus.studio.pull import pull_tasks

sys.path.insert(0, str(Path(__file__).resolve().parent))
import studio_server  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
ARTICLES = ("003_helmand_roadside_bomb_brief", "016_srinagar_grenade_brief")
TOKEN = studio_server.API_TOKEN
TEXT = "Gunmen killed two guards in Kano, police said."


# -- helpers -------------------------------------------------------------------------------------
def gold(article: str) -> Document:
    return read_documents(REPO / "data" / "corpus" / f"{article}.json")[0]


def spans(doc: Document) -> list[tuple]:
    return [(e.id, e.start, e.end, e.label) for e in doc.entities]


def links(doc: Document) -> list[tuple]:
    return [(r.head, r.tail, r.label) for r in doc.relations]


def oracle_scores(doc: Document) -> Document:
    """The gold annotation with made-up, distinct scores (0.5 .. 0.99)."""
    ents = [replace(e, score=round(0.99 - 0.01 * (i % 50), 2)) for i, e in enumerate(doc.entities)]
    rels = [replace(r, score=round(0.98 - 0.01 * (i % 40), 2)) for i, r in enumerate(doc.relations)]
    return doc.with_annotations(ents, rels)


class OraclePipeline:
    """Stands in for Pipeline: predicts each known text's gold annotation with scores."""

    def __init__(self, articles=ARTICLES):
        self.by_text = {gold(a).text: oracle_scores(gold(a)) for a in articles}

    def predict_documents(self, docs, **_):
        for doc in docs:
            known = self.by_text.get(doc.text)
            pred = doc.with_annotations(known.entities, known.relations) if known else doc
            yield Prediction(pred, [], [])


def run_cli(argv: list[str], capfd) -> tuple[int, str, str]:
    """Run toll-studio in-process; every run also checks that the token was not printed."""
    rc = main(argv)
    out, err = capfd.readouterr()
    assert TOKEN not in out + err, "the API token was printed"
    assert "Traceback" not in err
    return rc, out, err


def copy_articles(tmp: Path, articles=ARTICLES) -> Path:
    folder = tmp / "articles"
    folder.mkdir()
    for article in articles:
        shutil.copy(REPO / "seeds" / f"{article}.txt", folder)
    return folder


def pull_folders(tmp: Path) -> tuple[Path, Path]:
    """Empty corpus and seeds folders to pull into (pull refuses folders that do not exist)."""
    corpus, seeds = tmp / "corpus", tmp / "seeds"
    corpus.mkdir(parents=True)
    seeds.mkdir(parents=True)
    return corpus, seeds


def no_corpus(tmp: Path) -> list[str]:
    """``--corpus`` of an empty folder: push sends predictions only, whatever the working folder."""
    folder = tmp / "no-corpus"
    folder.mkdir(exist_ok=True)
    return ["--corpus", str(folder)]


# -- offline: docstrings, config, settings ---------------------------------------------------


def test_config_puts_relation_children_in_relations_and_every_label_in_labels(capfd, schema):
    rc, out, _ = run_cli(["config"], capfd)
    root = ET.fromstring(out)
    relations = root.find("Relations")
    assert [c.tag for c in relations] == ["Relation"] * len(schema.relation_labels)
    assert [c.get("value") for c in relations] == list(schema.relation_labels)
    assert [c.get("value") for c in root.find("Labels")] == list(schema.entity_labels)
    assert root.find("Text").get("value") == "$text" and rc == 0


def test_flags_win_over_environment_and_repr_hides_the_token():
    env = {"LABEL_STUDIO_URL": "http://env:8080", "LABEL_STUDIO_API_KEY": "env-token"}
    assert resolve_settings(None, None, env).url == "http://env:8080"
    settings = resolve_settings("http://flag:9000/", "flag-token", env)
    assert (settings.url, settings.token) == ("http://flag:9000", "flag-token")
    assert "flag-token" not in repr(settings)
    assert resolve_settings("http://u:secret@h:1", "t", {}).display_url == "http://h:1"


def test_missing_token_names_the_variable(capfd, monkeypatch):
    monkeypatch.delenv("LABEL_STUDIO_API_KEY", raising=False)
    rc, _, err = run_cli(["pull", "--url", "http://127.0.0.1:9"], capfd)
    assert rc == 2 and "LABEL_STUDIO_API_KEY" in err


def test_unreachable_server_is_one_clear_line(capfd, tmp_path):
    port = studio_server.free_port()  # nothing listens there
    corpus, seeds = pull_folders(tmp_path)
    rc, out, err = run_cli(["pull", "--url", f"http://127.0.0.1:{port}", "--token", TOKEN,
                            "--corpus", str(corpus), "--seeds", str(seeds)], capfd)
    assert rc == 2 and err.startswith(f"error: cannot reach Label Studio at http://127.0.0.1:{port}")
    assert not [*corpus.iterdir(), *seeds.iterdir()]


# -- offline: pull ---------------------------------------------------------------------------
def _task(task_id: int, article: str, result: list[dict], text: str = TEXT) -> dict:
    return {"id": task_id, "data": {"text": text, "article_id": article},
            "annotations": [{"id": 1, "result": result, "was_cancelled": False}]}


def _span(rid: str, start: int, end: int, label: str, text: str = TEXT) -> dict:
    return {"id": rid, "from_name": "label", "to_name": "text", "type": "labels",
            "value": {"start": start, "end": end, "text": text[start:end], "labels": [label]}}


def _rel(head: str, tail: str, label: str) -> dict:
    return {"from_id": head, "to_id": tail, "type": "relation", "direction": "right", "labels": [label]}


KILLED = (len("Gunmen killed "), len("Gunmen killed two guards"))
POLICE = (len("Gunmen killed two guards in Kano, "), len("Gunmen killed two guards in Kano, police"))


def test_pull_writes_valid_tasks_and_reports_broken_ones_by_task_id(tmp_path, schema):
    good = _task(7, "kano_good", [_span("a", 0, 6, "ACTOR"), _span("k", *KILLED, "KILLED"),
                                  _rel("k", "a", "perpetrator")])
    wrong_text = _span("k", *KILLED, "KILLED")
    wrong_text["value"]["text"] = "two guard"
    broken = [
        _task(8, "kano_text", [wrong_text], text=TEXT + " "),
        _task(9, "kano_label", [_span("k", *KILLED, "DEAD")], text=TEXT + "  "),
        _task(10, "kano_relation", [_span("k", *KILLED, "KILLED"), _span("p", *POLICE, "SOURCE"),
                                    _rel("p", "k", "source"), _rel("k", "zz", "source")], text=TEXT + "   "),
    ]
    unannotated = {"id": 11, "data": {"text": "Nothing yet.", "article_id": "later"}, "annotations": []}
    report = pull_tasks([good, *broken, unannotated], schema, tmp_path / "corpus", tmp_path / "seeds")
    assert report.new == [("kano_good", 7)] and report.not_annotated == [11]
    assert sorted(set(report.rejected)) == [8, 9, 10]
    messages = "\n".join(str(p) for p in report.problems)
    assert "task 8 (kano_text)" in messages and "does not match" in messages
    assert "task 9 (kano_label)" in messages and "unknown label 'DEAD'" in messages
    assert "task 10 (kano_relation)" in messages and "does not allow SOURCE -> KILLED" in messages
    assert "missing region(s) zz" in messages
    assert sorted(p.name for p in (tmp_path / "corpus").iterdir()) == ["kano_good.json"]
    assert sorted(p.name for p in (tmp_path / "seeds").iterdir()) == ["kano_good.txt"]
    doc = read_documents(tmp_path / "corpus" / "kano_good.json")[0]
    assert spans(doc) == [("a", 0, 6, "ACTOR"), ("k", *KILLED, "KILLED")]
    assert links(doc) == [("k", "a", "perpetrator")]


def _corpus_copy(tmp_path: Path, article: str) -> tuple[Path, Path]:
    corpus, seeds = tmp_path / "corpus", tmp_path / "seeds"
    corpus.mkdir(parents=True)
    seeds.mkdir(parents=True)
    shutil.copy(REPO / "data" / "corpus" / f"{article}.json", corpus)
    shutil.copy(REPO / "seeds" / f"{article}.txt", seeds)
    return corpus, seeds


def _as_studio_task(doc: Document, task_id: int) -> dict:
    """How Label Studio exports a task we pushed: its own ids, only text and article_id in data."""
    task = document_to_task(doc, task_id)
    task["data"] = {"text": doc.text, "article_id": doc.id}
    task["annotations"][0].update(id=500, was_cancelled=False, completed_by=1)
    task["meta"] = {}
    return task


def test_pull_keeps_corpus_metadata_and_task_id_and_reports_changes(tmp_path, schema):
    article = ARTICLES[0]
    corpus, seeds = _corpus_copy(tmp_path, article)
    original = (corpus / f"{article}.json").read_text()
    doc = gold(article)
    same = pull_tasks([_as_studio_task(doc, 41)], schema, corpus, seeds)
    assert same.unchanged == [(article, 41)] and (corpus / f"{article}.json").read_text() == original

    edited = doc.with_annotations(doc.entities, doc.relations[1:])
    changed = pull_tasks([_as_studio_task(edited, 41)], schema, corpus, seeds)
    assert changed.updated == [(article, 41)] and not changed.problems
    written = read_documents(corpus / f"{article}.json")[0]
    assert links(written) == links(doc)[1:] and written.meta["task_id"] == doc.meta["task_id"]
    assert written.meta["data"] == doc.meta["data"]  # country, conflict, year, genre kept


def test_pull_refuses_unsafe_ids_duplicates_and_text_that_differs_from_the_seed(tmp_path, schema):
    article = ARTICLES[0]
    corpus, seeds = _corpus_copy(tmp_path, article)
    before = {p.name: p.read_bytes() for p in [*corpus.iterdir(), *seeds.iterdir()]}
    changed_text = _as_studio_task(gold(article), 3)
    changed_text["data"]["text"] = changed_text["data"]["text"].replace("Helmand", "Helmandi")
    changed_text["annotations"][0]["result"] = []
    tasks = [
        _task(1, "../escape", []),
        _task(2, "twice", []), _task(4, "twice", [], text=TEXT + "!"),
        changed_text,
    ]
    report = pull_tasks(tasks, schema, corpus, seeds)
    assert sorted(set(report.rejected)) == [1, 2, 3, 4] and not (report.new or report.updated)
    messages = "\n".join(str(p) for p in report.problems)
    assert "cannot name a file" in messages and "annotated in tasks 2, 4" in messages
    assert f"differs from {seeds / (article + '.txt')}" in messages
    assert {p.name: p.read_bytes() for p in [*corpus.iterdir(), *seeds.iterdir()]} == before
    assert not (tmp_path / "escape.json").exists()


# -- offline: the ML backend over HTTP ------------------------------------------------------
@pytest.fixture
def oracle_backend_url():
    server = make_server(TollBackend(OraclePipeline(), "oracle/model@00000000"), "127.0.0.1", 0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def _http(url: str, body: bytes | None = None) -> tuple[int, dict]:
    request = urllib.request.Request(url, data=body, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def test_backend_speaks_the_label_studio_protocol(oracle_backend_url):
    url = oracle_backend_url
    assert _http(f"{url}/health") == (200, {"status": "UP", "model_class": "TollBackend",
                                            "model_version": "oracle/model@00000000"})
    assert _http(f"{url}/")[0] == 200
    assert _http(f"{url}/setup", json.dumps({"project": "3.1700000000", "schema": "<View/>"}).encode()) == \
        (200, {"model_version": "oracle/model@00000000"})
    doc = gold(ARTICLES[1])
    tasks = [{"id": 5, "data": {"text": doc.text}}, {"id": 6, "data": {"text": "Talks resumed."}}]
    status, body = _http(f"{url}/predict", json.dumps({"tasks": tasks, "project": "3.1700000000",
                                                       "label_config": "<View/>", "params": {}}).encode())
    assert status == 200 and len(body["results"]) == 2
    first, second = body["results"]
    expected = oracle_scores(doc)
    assert [(r["id"], r["value"]["start"], r["value"]["end"], r["value"]["labels"][0])
            for r in first["result"] if r["type"] == "labels"] == spans(doc)
    assert [(r["from_id"], r["to_id"], r["labels"][0]) for r in first["result"] if r["type"] == "relation"] \
        == links(doc)
    lowest = min([e.score for e in expected.entities] + [r.score for r in expected.relations])
    assert first["score"] == lowest and first["model_version"] == "oracle/model@00000000"
    assert second == {"model_version": "oracle/model@00000000", "score": None, "result": []}
    assert _http(f"{url}/webhook", b'{"action": "ANNOTATION_CREATED", "project": {"id": 3}}')[0] == 201
    assert _http(f"{url}/webhook", b'{"action": "PROJECT_DELETED"}') == (200, {"status": "Unknown event"})
    assert _http(f"{url}/predict", b"{not json")[0] == 400
    status, body = _http(f"{url}/predict", b'{"tasks": [{"id": 9, "data": {"html": "x"}}]}')
    assert status == 400 and "task 9 has no data.text" in body["error"]
    assert _http(f"{url}/train", b"{}")[0] == 404


# -- against a real Label Studio server -----------------------------------------------------
@pytest.fixture(scope="session")
def studio(tmp_path_factory):
    reason = studio_server.missing_reason()
    if reason:
        pytest.skip(reason)
    with studio_server.StudioServer.start(tmp_path_factory.mktemp("label-studio")) as server:
        yield server


@pytest.fixture
def studio_env(studio, monkeypatch):
    monkeypatch.setenv("LABEL_STUDIO_URL", studio.url)
    monkeypatch.setenv("LABEL_STUDIO_API_KEY", studio.token)
    return studio


@pytest.fixture
def client(studio):
    from label_studio_sdk import LabelStudio

    return LabelStudio(base_url=studio.url, api_key=studio.token)


@pytest.fixture(autouse=True)
def push_locks_in_tmp(tmp_path, monkeypatch):
    """Push lock files go to the test's folder, not the system's temporary folder."""
    from toll.training.corpus.studio import lock

    monkeypatch.setattr(lock, "LOCK_DIR", tmp_path)


@pytest.fixture
def oracle(monkeypatch):
    pipeline = OraclePipeline()
    monkeypatch.setattr(Pipeline, "from_pretrained", classmethod(lambda cls, *a, **k: pipeline))
    return pipeline


def _tasks(client, project_id: int) -> list:
    return list(client.tasks.list(project=project_id, fields="all"))


def _project_id(client, title: str) -> int:
    (ref,) = projects.find_projects(client, title)
    return ref.id


@pytest.mark.slow
def test_init_creates_a_project_the_server_accepts_and_finds_it_again(studio_env, client, capfd, schema):
    rc, out, _ = run_cli(["init", "--project", "init check"], capfd)
    assert rc == 0 and out.startswith("created: project")
    project = client.projects.get(_project_id(client, "init check"))
    parsed = project.parsed_label_config
    assert parsed["relations"]["type"] == "Relations"
    assert parsed["relations"]["labels"] == list(schema.relation_labels)
    assert parsed["label"]["labels"] == list(schema.entity_labels)
    rc, out, _ = run_cli(["init", "--project", "init check"], capfd)
    assert rc == 0 and out.startswith("found: project")
    assert len(projects.find_projects(client, "init check")) == 1


@pytest.mark.slow
def test_push_then_pull_round_trips_spans_and_relations_exactly(studio_env, client, capfd, oracle,
                                                                smoke_model, tmp_path):
    run_cli(["init", "--project", "round trip"], capfd)
    articles = copy_articles(tmp_path)
    push = ["push", str(articles), "--model", str(smoke_model), "--project", "round trip", *no_corpus(tmp_path)]
    rc, out, _ = run_cli(push, capfd)
    assert rc == 0 and "2 task(s) created" in out
    rc, out, _ = run_cli(push, capfd)
    assert rc == 0 and "0 task(s) created" in out and "2 unchanged" in out
    project_id = _project_id(client, "round trip")
    tasks = _tasks(client, project_id)
    assert sorted(t.data["article_id"] for t in tasks) == sorted(ARTICLES)
    for task in tasks:  # the annotator accepts the pre-annotation as it is
        (prediction,) = task.predictions
        client.annotations.create(id=task.id, result=prediction.result)

    empty = tmp_path / "fresh"
    pull_folders(empty)
    rc, out, _ = run_cli(["pull", "--project", "round trip", "--corpus", str(empty / "corpus"),
                          "--seeds", str(empty / "seeds")], capfd)
    assert rc == 0 and "2 new, 0 updated, 0 unchanged" in out and "toll-data split" in out
    for article in ARTICLES:
        pulled = read_documents(empty / "corpus" / f"{article}.json")[0]
        assert spans(pulled) == spans(gold(article)) and links(pulled) == links(gold(article))
        assert (empty / "seeds" / f"{article}.txt").read_text() == gold(article).text

    corpus, seeds = _corpus_copy(tmp_path / "existing", ARTICLES[0])
    shutil.copy(REPO / "data" / "corpus" / f"{ARTICLES[1]}.json", corpus)
    shutil.copy(REPO / "seeds" / f"{ARTICLES[1]}.txt", seeds)
    rc, out, _ = run_cli(["pull", "--project", "round trip", "--corpus", str(corpus), "--seeds", str(seeds)], capfd)
    assert rc == 0 and "0 new, 0 updated, 2 unchanged" in out
    for article in ARTICLES:  # byte for byte: ids, offsets, labels, relations, metadata
        assert (corpus / f"{article}.json").read_bytes() == \
            (REPO / "data" / "corpus" / f"{article}.json").read_bytes()


@pytest.mark.slow
def test_pushed_predictions_show_their_scores_and_the_lowest_is_the_task_score(
        studio_env, client, capfd, oracle, smoke_model, tmp_path):
    run_cli(["init", "--project", "scores"], capfd)
    rc, _, _ = run_cli(["push", str(copy_articles(tmp_path, ARTICLES[:1])), "--model", str(smoke_model),
                        "--project", "scores", *no_corpus(tmp_path)], capfd)
    (task,) = _tasks(client, _project_id(client, "scores"))
    (prediction,) = task.predictions
    expected = oracle_scores(gold(ARTICLES[0]))
    by_id = {r["id"]: r["score"] for r in prediction.result if r["type"] == "labels"}
    assert by_id == {e.id: e.score for e in expected.entities}
    relation_scores = [r["score"] for r in prediction.result if r["type"] == "relation"]
    assert relation_scores == [r.score for r in expected.relations]
    assert prediction.score == min([*by_id.values(), *relation_scores])
    assert prediction.model_version == predictions.model_version(smoke_model)
    assert client.projects.get(task.project).model_version == prediction.model_version


@pytest.mark.slow
def test_repush_with_a_new_model_adds_a_prediction_not_a_task(studio_env, client, capfd, oracle,
                                                              smoke_model, tmp_path, monkeypatch):
    run_cli(["init", "--project", "repush"], capfd)
    articles = copy_articles(tmp_path, ARTICLES[:1])
    push = ["push", str(articles), "--model", str(smoke_model), "--project", "repush", *no_corpus(tmp_path)]
    run_cli(push, capfd)
    first = predictions.model_version(smoke_model)
    monkeypatch.setattr(predictions, "model_version", lambda directory: "toll-111111111111")
    rc, out, _ = run_cli(push, capfd)
    assert rc == 0 and "0 task(s) created, 1 given a new prediction" in out
    (task,) = _tasks(client, _project_id(client, "repush"))
    assert sorted(p.model_version for p in task.predictions) == sorted([first, "toll-111111111111"])
    assert len(task.predictions) == 2


@pytest.mark.slow
def test_hand_made_annotation_with_a_relation_comes_back_into_the_corpus(studio_env, client, capfd, tmp_path):
    run_cli(["init", "--project", "hand made"], capfd)
    project_id = _project_id(client, "hand made")
    imported = client.projects.import_tasks(id=project_id, return_task_ids=True,
                                            request=[{"data": {"text": TEXT, "article_id": "kano_hand"}}])
    (task_id,) = imported.task_ids
    client.annotations.create(id=task_id, result=[
        _span("Xk9", *KILLED, "KILLED"), _span("Qp2", *POLICE, "SOURCE"), _rel("Xk9", "Qp2", "source")])
    pull_folders(tmp_path)
    rc, out, _ = run_cli(["pull", "--project", "hand made", "--corpus", str(tmp_path / "corpus"),
                          "--seeds", str(tmp_path / "seeds")], capfd)
    assert rc == 0 and "new        kano_hand" in out
    doc = read_documents(tmp_path / "corpus" / "kano_hand.json")[0]
    assert spans(doc) == [("Xk9", *KILLED, "KILLED"), ("Qp2", *POLICE, "SOURCE")]
    assert links(doc) == [("Xk9", "Qp2", "source")]
    assert doc.meta["data"] == {"article_id": "kano_hand", "source": "kano_hand.txt"}


@pytest.mark.slow
def test_pull_reports_a_broken_annotation_and_writes_nothing_for_it(studio_env, client, capfd, tmp_path):
    run_cli(["init", "--project", "broken"], capfd)
    project_id = _project_id(client, "broken")
    imported = client.projects.import_tasks(id=project_id, return_task_ids=True, request=[
        {"data": {"text": TEXT, "article_id": "kano_ok"}},
        {"data": {"text": TEXT + " Two more died.", "article_id": "kano_broken"}},
        {"data": {"text": TEXT + " Nothing to see.", "article_id": "kano_skipped"}}])
    ok, bad, skipped = imported.task_ids
    client.annotations.create(id=ok, result=[_span("k", *KILLED, "KILLED")])
    client.annotations.create(id=skipped, result=[], was_cancelled=True)  # the annotator pressed Skip
    # the server accepts labels the config does not have, and relations the schema forbids
    client.annotations.create(id=bad, result=[_span("k", *KILLED, "CASUALTY"), _span("p", *POLICE, "SOURCE"),
                                              _rel("p", "k", "source")])
    pull_folders(tmp_path)
    rc, out, err = run_cli(["pull", "--project", "broken", "--corpus", str(tmp_path / "corpus"),
                            "--seeds", str(tmp_path / "seeds")], capfd)
    assert rc == 1
    assert f"task {bad} (kano_broken)" in err and "unknown label 'CASUALTY'" in err
    assert f"not written (fix them in Label Studio and pull again): task(s) {bad}" in err
    assert "1 new, 0 updated, 0 unchanged; 1 task(s) not written" in out
    assert "0 task(s) not annotated yet; 1 task(s) skipped by the annotators" in out
    assert sorted(p.name for p in (tmp_path / "corpus").iterdir()) == ["kano_ok.json"]
    assert sorted(p.name for p in (tmp_path / "seeds").iterdir()) == ["kano_ok.txt"]


@pytest.mark.slow
def test_bad_token_and_missing_project_are_clear_errors(studio, capfd, tmp_path, monkeypatch):
    monkeypatch.delenv("LABEL_STUDIO_API_KEY", raising=False)
    monkeypatch.chdir(REPO)  # pull's default folders, data/corpus and seeds, exist there
    wrong = "0" * 40
    rc, out, err = run_cli(["pull", "--url", studio.url, "--token", wrong], capfd)
    assert rc == 2 and "rejected the API token (HTTP 401)" in err and wrong not in out + err
    rc, _, err = run_cli(["pull", "--url", studio.url, "--token", studio.token, "--project", "no such project"],
                         capfd)
    assert rc == 2 and "has no project titled 'no such project'" in err and "toll-studio init" in err
    rc, _, err = run_cli(["pull", "--url", studio.url, "--token", studio.token, "--project-id", "9999"], capfd)
    assert rc == 2 and "no project with id 9999" in err


@pytest.mark.slow
def test_token_never_appears_in_output_or_written_files(studio, client, capfd, oracle, smoke_model, tmp_path,
                                                        monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("LABEL_STUDIO_API_KEY", raising=False)
    flags = ["--url", studio.url, "--token", studio.token, "--project", "secrets"]
    run_cli(["init", *flags], capfd)
    run_cli(["push", str(copy_articles(tmp_path)), "--model", str(smoke_model), *flags], capfd)
    for task in _tasks(client, _project_id(client, "secrets")):
        client.annotations.create(id=task.id, result=task.predictions[0].result)
    pull_folders(tmp_path)
    rc, _, _ = run_cli(["pull", *flags, "--corpus", "corpus", "--seeds", "seeds"], capfd)
    assert rc == 0
    written = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert len(written) >= 6  # 2 articles, 2 corpus files, 2 seeds
    assert not [p for p in written if TOKEN.encode() in p.read_bytes()]


@pytest.mark.slow
def test_label_studio_connected_to_toll_studio_serve_gets_predictions(studio, client, smoke_model, tmp_path):
    project = client.projects.create(title="ml backend", label_config=labeling_config(Schema.load()))
    doc = gold(ARTICLES[1])
    (task_id,) = client.projects.import_tasks(id=project.id, return_task_ids=True, request=[
        {"data": {"text": doc.text, "article_id": doc.id}}]).task_ids
    port = studio_server.free_port()
    log = tmp_path / "serve.log"
    with open(log, "w") as out:
        proc = subprocess.Popen([str(Path(sys.executable).parent / "toll-studio"), "serve", "--model",
                                 str(smoke_model), "--port", str(port)], stdout=out, stderr=subprocess.STDOUT,
                                start_new_session=True)
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 120
        while _health(url) is None:
            assert proc.poll() is None and time.monotonic() < deadline, log.read_text()
            time.sleep(0.5)
        version = predictions.model_version(smoke_model)
        assert _health(url)["model_version"] == version
        ml = client.ml.create(project=project.id, url=url, title="toll")
        assert ml.state == "CO"  # connected: Label Studio called /health and /setup
        client.actions.create(id="retrieve_tasks_predictions", project=project.id,
                              selected_items={"all": False, "included": [task_id]})
        (stored,) = client.predictions.list(task=task_id)
    finally:
        studio_server.stop_process_group(proc)
    expected = next(Pipeline.from_pretrained(smoke_model).predict_documents([Document(doc.id, doc.text)]))
    assert stored.model_version == version
    assert stored.result == predictions.studio_prediction(expected.document, version)["result"]
    assert '"POST /predict" 200' in log.read_text()


def _health(url: str) -> dict | None:
    try:
        with urllib.request.urlopen(f"{url}/health", timeout=2) as response:
            return json.loads(response.read())
    except (OSError, urllib.error.URLError):
        return None


@pytest.mark.slow
def test_label_studio_keeps_the_backend_regions_and_scores(studio, client, oracle_backend_url):
    project = client.projects.create(title="ml regions", label_config=labeling_config(Schema.load()))
    doc = gold(ARTICLES[0])
    (task_id,) = client.projects.import_tasks(id=project.id, return_task_ids=True, request=[
        {"data": {"text": doc.text, "article_id": doc.id}}]).task_ids
    client.ml.create(project=project.id, url=oracle_backend_url, title="oracle")
    client.actions.create(id="retrieve_tasks_predictions", project=project.id,
                          selected_items={"all": False, "included": [task_id]})
    (stored,) = client.predictions.list(task=task_id)
    expected = predictions.studio_prediction(oracle_scores(doc), "oracle/model@00000000")
    assert stored.result == expected["result"] and stored.model_version == "oracle/model@00000000"
    assert stored.score == expected["score"]


# -- tokens: headless, Personal Access Tokens, bad ones -------------------------------------
@pytest.mark.slow
def test_label_studio_user_prints_the_token_the_environment_set_and_toll_studio_accepts_it(studio, capfd,
                                                                                          tmp_path):
    """The README's headless path: the first user and its legacy token come from LABEL_STUDIO_*
    variables at the first start; ``label-studio user`` shows the token again later."""
    done = subprocess.run([str(studio_server.STUDIO_BIN), "user", "--username", studio_server.ADMIN_EMAIL,
                           "--data-dir", str(studio.data_dir)], env=studio_server._environment(studio.data_dir),
                          capture_output=True, text=True, cwd=tmp_path, timeout=600)
    found = re.search(r"'token': '([^']+)'", done.stdout)
    assert done.returncode == 0 and found, done.stdout[-2000:] + done.stderr[-2000:]
    assert found.group(1) == studio.token  # the LABEL_STUDIO_USER_TOKEN the server started with
    rc, out, _ = run_cli(["init", "--url", studio.url, "--token", found.group(1), "--project", "headless"], capfd)
    assert rc == 0 and out.startswith("created: project")


def _jwt(seconds_left: int) -> str:
    """A refresh token shaped like Label Studio's Personal Access Tokens, signed with the wrong key."""
    import jwt

    now = int(time.time())
    claims = {"token_type": "refresh", "exp": now + seconds_left, "iat": now - 60, "jti": "0" * 32, "user_id": 1}
    return jwt.encode(claims, "not the server's signing key, 32+ bytes", algorithm="HS256")


@pytest.mark.slow
def test_personal_access_token_works_and_bad_ones_are_one_error_line(studio, client, capfd, tmp_path,
                                                                       monkeypatch):
    monkeypatch.delenv("LABEL_STUDIO_API_KEY", raising=False)
    personal = client.tokens.create().token
    rc, out, err = run_cli(["init", "--url", studio.url, "--token", personal, "--project", "personal"], capfd)
    assert rc == 0 and out.startswith("created: project") and personal not in out + err
    cases = {
        "expired": (_jwt(-3600), "expired"),
        "forged": (_jwt(3600), "rejected the API token (HTTP 401)"),
        "tampered": (personal[:-6] + ("AAAAAA" if not personal.endswith("AAAAAA") else "BBBBBB"),
                     "rejected the API token (HTTP 401)"),
        "line break": ("5f0c1ab27de94e3b\n8a6c0d1e2f3a4b5c6d7e8f90", "characters no token has"),
        "non-ASCII": ("5f0c1ab27de94e3b8a6c0d1e2f3a4b5c6d7e8f9ä", "characters no token has"),
        "not a JWT": ("eyJhbGciOiJIUzI1NiJ9.broken-payload.sig", "rejected the API token (HTTP 401)"),
    }
    for name, (bad, says) in cases.items():
        rc, out, err = run_cli(["init", "--url", studio.url, "--token", bad, "--project", "personal"], capfd)
        assert rc == 2 and err.startswith("error: ") and says in err, (name, err)
        assert len(err.strip().splitlines()) == 1, (name, err)
        for secret in {bad, *bad.split("\n"), *bad.split(".")}:
            assert len(secret) < 8 or secret not in out + err, (name, err)


# -- push: versions, concurrency, the corpus, Ctrl-C, file names ------------------------------
FIVE = ARTICLES + ("001_logar_refugee_accounts", "002_kandahar_garrison_claims", "007_doha_talks_no_deal")


@pytest.mark.slow
def test_the_same_weights_in_another_folder_are_the_same_version_and_add_no_prediction(
        studio_env, client, capfd, oracle, smoke_model, tmp_path):
    moved = shutil.copytree(smoke_model, tmp_path / "elsewhere" / "renamed")
    version = predictions.model_version(smoke_model)
    assert predictions.model_version(moved) == version and re.fullmatch(r"toll-[0-9a-f]{12}", version)
    run_cli(["init", "--project", "moved model"], capfd)
    articles = copy_articles(tmp_path)
    for model in (smoke_model, moved):
        rc, out, _ = run_cli(["push", str(articles), "--model", str(model), "--project", "moved model",
                              *no_corpus(tmp_path)], capfd)
        assert rc == 0 and f"model {version}:" in out
    assert "0 task(s) created, 0 given a new prediction, 2 unchanged" in out
    tasks = _tasks(client, _project_id(client, "moved model"))
    assert len(tasks) == 2 and [len(t.predictions) for t in tasks] == [1, 1]


@pytest.mark.slow
def test_two_pushes_at_once_create_each_task_once(studio_env, client, capfd, smoke_model, tmp_path,
                                                  monkeypatch):
    """Each push waits, before predicting, until the other has read the project too (or waits for
    the lock, or has finished): without the lock both would plan the same five new tasks."""
    from toll.training.corpus.studio import export, lock

    arrived: dict[str, str] = {}  # thread name -> "read the project" | "waiting for the lock" | "done"
    changed = threading.Condition()

    def arrive(what: str) -> None:
        with changed:
            arrived[threading.current_thread().name] = what
            changed.notify_all()

    def other_has_arrived() -> bool:
        return any(name != threading.current_thread().name for name in arrived)

    class WaitingOracle(OraclePipeline):
        def predict_documents(self, docs, **kwargs):
            with changed:
                assert changed.wait_for(other_has_arrived, timeout=600)
            yield from super().predict_documents(docs, **kwargs)

    real_export, real_wait = export.export_tasks, lock.report_wait
    monkeypatch.setattr(export, "export_tasks", lambda *a, **k: (real_export(*a, **k), arrive("read"))[0])
    monkeypatch.setattr(lock, "report_wait", lambda *a: (real_wait(*a), arrive("waiting")))
    pipeline = WaitingOracle()
    monkeypatch.setattr(Pipeline, "from_pretrained", classmethod(lambda cls, *a, **k: pipeline))
    run_cli(["init", "--project", "at once"], capfd)
    articles = copy_articles(tmp_path, FIVE)
    codes: dict[str, int] = {}

    def push(name: str) -> None:
        try:
            codes[name] = main(["push", str(articles), "--model", str(smoke_model), "--project", "at once",
                                *no_corpus(tmp_path)])
        finally:
            arrive("done")

    threads = [threading.Thread(target=push, args=(name,), name=name) for name in ("first", "second")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    out, err = capfd.readouterr()
    assert codes == {"first": 0, "second": 0} and "Traceback" not in err and TOKEN not in out + err
    tasks = _tasks(client, _project_id(client, "at once"))
    assert sorted(t.data["article_id"] for t in tasks) == sorted(FIVE)
    assert "5 task(s) created" in out and "0 task(s) created, 0 given a new prediction, 5 unchanged" in out
    assert "waiting for another toll-studio push" in err  # the second push waited for the first


@pytest.mark.slow
def test_a_task_made_since_the_plan_is_not_made_again(studio_env, client, capfd, tmp_path):
    """The look-up right before each import guards against pushes from other machines."""
    from toll.training.corpus.studio.push import PushReport, plan_push, push_plan

    run_cli(["init", "--project", "late look-up"], capfd)
    project = projects.find_projects(client, "late look-up")[0]
    docs = [Document("kano_one", TEXT), Document("kano_two", TEXT + " Two more died.")]
    plan = plan_push(docs, {}, "toll-000000000000")  # made from an empty project
    client.projects.import_tasks(id=project.id, request=[{"data": {"text": TEXT, "article_id": "kano_one"}}])
    report = push_plan(client, project, plan, OraclePipeline(), "toll-000000000000", PushReport())
    assert report.created == ["kano_two"] and report.unchanged == ["kano_one"]
    assert sorted(t.data["article_id"] for t in _tasks(client, project.id)) == ["kano_one", "kano_two"]


class EmptyPipeline:
    """Predicts nothing: whatever a task's annotation holds did not come from the model."""

    def predict_documents(self, docs, **_):
        for doc in docs:
            yield Prediction(doc, [], [])


@pytest.mark.slow
def test_an_article_in_the_corpus_goes_with_its_annotation_and_pulls_back_unchanged(
        studio_env, client, capfd, smoke_model, tmp_path, monkeypatch):
    monkeypatch.setattr(Pipeline, "from_pretrained", classmethod(lambda cls, *a, **k: EmptyPipeline()))
    corpus, seeds = _corpus_copy(tmp_path / "repo", ARTICLES[0])
    shutil.copy(REPO / "data" / "corpus" / f"{ARTICLES[1]}.json", corpus)
    shutil.copy(REPO / "seeds" / f"{ARTICLES[1]}.txt", seeds)
    run_cli(["init", "--project", "corpus articles"], capfd)
    push = ["push", "--model", str(smoke_model), "--project", "corpus articles"]
    # pushed before this rule (no corpus given): its task has the prediction only
    rc, _, _ = run_cli([*push, str(REPO / "seeds" / f"{ARTICLES[0]}.txt"), *no_corpus(tmp_path)], capfd)
    assert rc == 0
    rc, out, _ = run_cli([*push, str(copy_articles(tmp_path)), "--corpus", str(corpus)], capfd)
    assert rc == 0 and "1 task(s) created" in out and "2 carry their corpus annotation" in out
    for task in _tasks(client, _project_id(client, "corpus articles")):
        (annotation,) = task.annotations
        (prediction,) = task.predictions
        pushed = task_to_document({"id": task.id, "data": task.data, "annotations": [annotation]}, "task")
        article = task.data["article_id"]
        assert spans(pushed) == spans(gold(article)) and links(pushed) == links(gold(article))
        assert prediction.result == []
    rc, out, _ = run_cli(["pull", "--project", "corpus articles", "--corpus", str(corpus), "--seeds", str(seeds)],
                         capfd)
    assert rc == 0 and "0 new, 0 updated, 2 unchanged" in out
    for article in ARTICLES:
        assert (corpus / f"{article}.json").read_bytes() == (REPO / "data" / "corpus" / f"{article}.json").read_bytes()


@pytest.mark.slow
def test_ctrl_c_during_a_push_says_how_many_tasks_exist_and_a_second_push_finishes(
        studio_env, client, capfd, smoke_model, tmp_path, monkeypatch):
    from toll.training.corpus.studio import push

    class InterruptedOracle(OraclePipeline):
        calls = 0

        def predict_documents(self, docs, **kwargs):
            self.calls += 1
            if self.calls == 2:  # the annotator presses Ctrl-C during the second batch
                raise KeyboardInterrupt
            yield from super().predict_documents(docs, **kwargs)

    monkeypatch.setattr(push, "CHUNK", 2)
    pipeline = InterruptedOracle()
    monkeypatch.setattr(Pipeline, "from_pretrained", classmethod(lambda cls, *a, **k: pipeline))
    run_cli(["init", "--project", "interrupted"], capfd)
    args = ["push", str(copy_articles(tmp_path, FIVE)), "--model", str(smoke_model), "--project", "interrupted",
            *no_corpus(tmp_path)]
    rc, out, err = run_cli(args, capfd)
    assert rc == 130 and "interrupted: 2 task(s) created" in err and "now has 2 task(s)" in err
    assert len(_tasks(client, _project_id(client, "interrupted"))) == 2
    rc, out, err = run_cli(args, capfd)
    assert rc == 0 and "3 task(s) created" in out
    assert "pushing" in err and "3/3" in err  # the progress bar
    assert len(_tasks(client, _project_id(client, "interrupted"))) == 5


@pytest.mark.slow
def test_file_names_with_spaces_become_safe_ids_and_clashing_names_are_refused(studio_env, client, capfd, oracle,
                                                                              smoke_model, tmp_path):
    folder = tmp_path / "articles"
    folder.mkdir()
    (folder / "Kunduz attack (1).txt").write_text(TEXT)
    (folder / "Kabul blast.txt").write_text(TEXT + " Two more died.")
    (folder / "kabul_blast.txt").write_text(TEXT + " Three more died.")
    run_cli(["init", "--project", "file names"], capfd)
    rc, out, err = run_cli(["push", str(folder), "--model", str(smoke_model), "--project", "file names",
                            *no_corpus(tmp_path)], capfd)
    assert rc == 1 and "1 task(s) created" in out
    assert (f"problem: {folder / 'Kabul blast.txt'} and {folder / 'kabul_blast.txt'} both give article id "
            "'kabul_blast'") in err
    (task,) = _tasks(client, _project_id(client, "file names"))
    assert task.data == {"text": TEXT, "article_id": "kunduz_attack_1"}
