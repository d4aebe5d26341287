"""toll-studio pieces that need no Label Studio server: article ids from file names, the model
version, pull's reports (skipped tasks, unlabelled relations), token and folder checks, and the
README's instructions for starting Label Studio. The server tests are in ``tests/test_studio.py``."""

from __future__ import annotations

import json
import re
import shutil
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from toll.models.text.document import Document
from toll.models.text.studio_format import task_to_document
from toll.training.corpus.studio.cli import main
from toll.training.corpus.studio.connection import StudioError, resolve_settings
from toll.training.corpus.studio.predictions import model_version
from toll.training.corpus.studio.pull import pull_tasks
from toll.training.corpus.studio.push import plan_push
from toll.training.corpus.studio.push_inputs import file_article_id, name_file_articles

REPO = Path(__file__).resolve().parent.parent
TEXT = "Gunmen killed two guards in Kano, police said."
KILLED = (len("Gunmen killed "), len("Gunmen killed two guards"))


# -- article ids from file names -------------------------------------------------------------
@pytest.mark.parametrize("name, article_id", [
    ("kunduz attack (1)", "kunduz_attack_1"),
    ("Kunduz Attack", "kunduz_attack"),
    ("031_saada_market_airstrike", "031_saada_market_airstrike"),
    ("kabul-blast.v2", "kabul-blast_v2"),
    ("  --Kabul  blast!!--  ", "kabul_blast"),
    ("Überfall in Kundus", "uberfall_in_kundus"),
])
def test_file_names_give_lowercase_ids_of_letters_digits_underscore_and_hyphen(name, article_id):
    assert file_article_id(name) == article_id


def test_a_file_name_without_latin_letters_gets_a_stable_hashed_id():
    first = file_article_id("هجوم على سوق")
    assert re.fullmatch(r"article-[0-9a-f]{10}", first) and file_article_id("هجوم على سوق") == first
    assert file_article_id("هجوم") != first


def test_files_that_give_the_same_id_are_both_refused_naming_both():
    docs = [Document("Kunduz attack (1)", "a", meta={"path": "in/Kunduz attack (1).txt"}),
            Document("kunduz_attack_1", "b", meta={"path": "in/sub/kunduz_attack_1.txt"}),
            Document("kabul", "c", meta={"path": "in/Kabul.txt"}),
            Document("row-3", "d", meta={"line": 3})]
    named, problems = name_file_articles(docs)
    assert [(d.id, d.text) for d in named] == [("kabul", "c"), ("row-3", "d")]
    assert problems == ["in/Kunduz attack (1).txt and in/sub/kunduz_attack_1.txt both give article id "
                        "'kunduz_attack_1'; rename one (neither is pushed)"]


# -- the model version -------------------------------------------------------------------------
def _fake_model(folder: Path, weights: bytes = b"tagger weights") -> Path:
    for name, content in {"labels.json": b"{}", "schema.yaml": b"a: 1\n", "thresholds.json": b"{}",
                          "config.yaml": f"output_dir: {folder}\nseed: 1\n".encode(),
                          "tagger/model.safetensors": weights, "relation/model.safetensors": b"relation weights",
                          "metrics.json": b"{}", "README.md": b"# card\n"}.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(content)
    return folder


def test_model_version_follows_the_weights_not_the_folder(tmp_path):
    original = _fake_model(tmp_path / "run" / "model")
    version = model_version(original)
    assert re.fullmatch(r"toll-[0-9a-f]{12}", version)
    copied = shutil.copytree(original, tmp_path / "elsewhere" / "other-name")
    assert model_version(copied) == version
    (copied / "metrics.json").write_text('{"test": {"f1": 0.9}}')  # toll-eval adds test scores
    (copied / "README.md").write_text("# card, rewritten\n")
    assert model_version(copied) == version
    retrained_elsewhere = _fake_model(tmp_path / "again" / "model")  # same weights, trained into another folder
    assert model_version(retrained_elsewhere) == version
    retrained = _fake_model(tmp_path / "retrained" / "model", weights=b"other tagger weights")
    assert model_version(retrained) != version
    (copied / "thresholds.json").write_text('{"entity": 0.5}')  # other score floors predict differently
    assert model_version(copied) != version


# -- pull reports ------------------------------------------------------------------------------
def _task(task_id: int, article: str, annotations: list[dict]) -> dict:
    return {"id": task_id, "data": {"text": TEXT, "article_id": article}, "annotations": annotations}


def test_skipped_tasks_are_counted_as_skipped_not_as_not_annotated(tmp_path, schema):
    tasks = [_task(1, "kano_skipped", [{"id": 1, "result": [], "was_cancelled": True}]),
             _task(2, "kano_later", [])]
    report = pull_tasks(tasks, schema, tmp_path / "corpus", tmp_path / "seeds")
    assert report.skipped == [1] and report.not_annotated == [2]
    assert "1 task(s) not annotated yet; 1 task(s) skipped by the annotators" in report.lines()[-1]


def test_an_unlabelled_relation_is_named_by_the_texts_it_joins(schema, tmp_path):
    result = [{"id": "a", "type": "labels", "value": {"start": 0, "end": 6, "labels": ["ACTOR"]}},
              {"id": "k", "type": "labels", "value": {"start": KILLED[0], "end": KILLED[1], "labels": ["KILLED"]}},
              {"from_id": "k", "to_id": "a", "type": "relation", "direction": "right", "labels": []},
              {"from_id": "a", "to_id": "zz", "type": "relation", "direction": "right"}]
    problems: list = []
    doc = task_to_document(_task(132, "kano", [{"id": 1, "result": result}]), "export", problems)
    assert doc.relations == ()
    assert [str(p) for p in problems] == [
        'export: task 132 (kano): relation "two guards" -> "Gunmen" has no label',
        'export: task 132 (kano): relation "Gunmen" -> zz has no label']
    report = pull_tasks([_task(132, "kano", [{"id": 1, "result": result[:3]}])], schema, tmp_path / "c",
                        tmp_path / "s")
    assert report.rejected == [132]
    assert 'relation "two guards" -> "Gunmen" has no label' in str(report.problems[0])


# -- push plans with the corpus ----------------------------------------------------------------
def test_plan_sends_the_corpus_annotation_and_refuses_a_changed_text():
    annotated = Document("kano", TEXT, meta={"path": "data/corpus/kano.json"})
    existing = {"old": {"id": 9, "data": {"text": "Old.", "article_id": "old"}, "annotations": [],
                        "predictions": [{"model_version": "toll-1"}]}}
    corpus = {"kano": annotated, "old": Document("old", "Old."),
              "changed": Document("changed", "Before.", meta={"path": "data/corpus/changed.json"}), "broken": None}
    plan = plan_push([Document("kano", TEXT), Document("old", "Old."), Document("changed", "After."),
                      Document("broken", "Text.")], existing, "toll-1", corpus)
    assert [d.id for d in plan.new] == ["kano"] and plan.corpus == {"kano": annotated}
    assert [(t, d.id) for t, d in plan.annotate] == [(9, "old")] and plan.unchanged == ["old"]
    assert plan.problems == [
        "article 'changed' differs from its text in the corpus (data/corpus/changed.json); not pushed "
        "(rename the article, or fix the corpus)",
        "article 'broken': its corpus file has problems; fix them (`toll-train --check`) first"]


# -- settings and folders, before anything is sent -------------------------------------------
@pytest.mark.parametrize("token", ["two words", "line\nbreak", "tökén-with-umlauts", "tab\tinside"])
def test_a_token_with_characters_no_token_has_is_refused_without_showing_it(token):
    with pytest.raises(StudioError, match="characters no token has") as caught:
        resolve_settings("http://127.0.0.1:8080", token, {})
    assert token not in str(caught.value)


def test_pull_outside_the_repository_refuses_to_create_the_corpus_folder(tmp_path, monkeypatch, capfd):
    monkeypatch.chdir(tmp_path)
    rc = main(["pull", "--url", "http://127.0.0.1:9", "--token", "0" * 40])
    _, err = capfd.readouterr()
    assert rc == 2 and err == (f"error: corpus folder data/corpus does not exist in {tmp_path}; run toll-studio "
                               "from the repository root, or pass --corpus DIR (an existing folder)\n")
    (tmp_path / "corpus").mkdir()
    rc = main(["pull", "--url", "http://127.0.0.1:9", "--token", "0" * 40, "--corpus", "corpus",
               "--seeds", str(tmp_path / "nowhere")])
    _, err = capfd.readouterr()
    assert rc == 2 and f"seeds folder {tmp_path / 'nowhere'} does not exist;" in err and "--seeds DIR" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["corpus"]


# -- the README ------------------------------------------------------------------------------
def _studio_section() -> str:
    readme = (REPO / "README.md").read_text()
    start = readme.index("## Annotating in Label Studio")
    return readme[start:readme.index("\n## ", start + 1)]


def test_readme_starts_label_studio_on_localhost_with_a_headless_token():
    section = _studio_section()
    starts = [line for line in section.splitlines() if "label-studio start" in line]
    assert starts and all("--internal-host 127.0.0.1" in line for line in starts), starts
    assert "0.0.0.0" not in section
    for variable in ("LABEL_STUDIO_USERNAME", "LABEL_STUDIO_PASSWORD", "LABEL_STUDIO_USER_TOKEN",
                     "LABEL_STUDIO_ENABLE_LEGACY_API_TOKEN=true", "LABEL_STUDIO_DISABLE_SIGNUP_WITHOUT_LINK=true",
                     "label-studio user"):
        assert variable in section, variable


def _jwt(seconds_left: int) -> str:
    """A refresh token shaped like a Personal Access Token."""
    import time

    import jwt

    now = int(time.time())
    claims = {"token_type": "refresh", "exp": now + seconds_left, "iat": now - 60, "jti": "0" * 32, "user_id": 1}
    return jwt.encode(claims, "a signing key of thirty-two bytes or more", algorithm="HS256")


class _NotLabelStudio(BaseHTTPRequestHandler):
    """Some other web server: every path is an HTML page."""

    def _page(self) -> None:
        body = b"<html><body>Welcome to nginx!</body></html>"
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = _page

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def not_label_studio():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _NotLabelStudio)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_an_expired_personal_access_token_is_one_error_line_without_the_token(not_label_studio, capfd):
    token = _jwt(-3600)  # the SDK refuses it before sending anything
    rc = main(["init", "--url", not_label_studio, "--token", token])
    out, err = capfd.readouterr()
    assert rc == 2 and err.startswith("error: ") and "API key has expired" in err and "Traceback" not in err
    assert len(err.splitlines()) == 1 and all(part not in out + err for part in token.split(".")[1:])


def test_a_personal_access_token_sent_to_another_web_server_is_one_error_line(not_label_studio, capfd):
    token = _jwt(3600)  # the SDK trades it for an access token, and gets HTML back
    rc = main(["init", "--url", not_label_studio, "--token", token])
    out, err = capfd.readouterr()
    assert rc == 2 and err == (f"error: {not_label_studio} did not answer like Label Studio while checking the "
                               "API token (JSONDecodeError); check --url or LABEL_STUDIO_URL\n")
    assert all(part not in out + err for part in token.split(".")[1:])


# -- standoff articles (MUC-4, BBC Online) through push and pull ----------------------------------

def test_a_pulled_standoff_task_becomes_a_standoff_record_without_text(tmp_path):
    from toll.models.text.schema import Schema
    from toll.models.text.standoff import sha256
    from toll.training.corpus.studio.pull import pull_tasks

    text = "GUNMEN KILLED TWO GUARDS IN KANO."
    task = {"id": 7, "data": {"text": text, "article_id": "muc4-x-0001", "standoff": "muc4", "id": "X-0001",
                              "origin": "muc4"},
            "annotations": [{"id": 1, "result": [
                {"id": "c1", "from_name": "label", "to_name": "text", "type": "labels",
                 "value": {"start": 14, "end": 24, "text": "TWO GUARDS", "labels": ["KILLED"]}}]}]}
    for folder in ("corpus", "seeds", "standoff"):
        (tmp_path / folder).mkdir()
    report = pull_tasks([task], Schema.load(), tmp_path / "corpus", tmp_path / "seeds", tmp_path / "standoff")
    assert report.new == [("muc4-x-0001", 7)] and not report.problems
    assert not list((tmp_path / "corpus").iterdir()) and not list((tmp_path / "seeds").iterdir())
    raw = (tmp_path / "standoff" / "muc4-x-0001.json").read_text()
    record = json.loads(raw)
    assert "GUARDS" not in raw and record["sha256"] == sha256(text) and record["source_id"] == "X-0001"
    assert record["entities"] == [{"id": "c1", "start": 14, "end": 24, "label": "KILLED"}]
    again = pull_tasks([task], Schema.load(), tmp_path / "corpus", tmp_path / "seeds", tmp_path / "standoff")
    assert again.unchanged == [("muc4-x-0001", 7)]


def test_a_pushed_standoff_article_carries_its_dataset_fields():
    from toll.models.text.document import Document
    from toll.training.corpus.studio.push import new_task

    doc = Document("muc4-x-0001", "TWO DIED.", (), (), {"data": {"standoff": "muc4", "id": "X-0001",
                                                                 "origin": "muc4", "article_id": "muc4-x-0001"}})
    data = new_task(doc, "toll-abc")["data"]
    assert data["standoff"] == "muc4" and data["id"] == "X-0001" and data["article_id"] == "muc4-x-0001"


def test_the_corpus_standoff_folder_is_read_as_articles_to_push(repo):
    from toll.training.corpus.studio.push_inputs import is_standoff_input, read_standoff_articles

    folder = repo / "data" / "standoff"
    assert is_standoff_input(folder) and not is_standoff_input(repo / "data" / "corpus")
    docs, problems = read_standoff_articles(folder / "muc4-dev-muc3-0008.json")
    if problems and "not found" in problems[0]:
        pytest.skip(f"datasets not on this machine: {problems[0]}")
    assert problems == [] and docs[0].id == "muc4-dev-muc3-0008" and docs[0].meta["data"]["standoff"] == "muc4"
