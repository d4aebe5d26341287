"""Exported Label Studio tasks -> corpus files, each checked like ``toll-train --check`` first.

For every annotated task (the newest annotation that was not cancelled), :func:`pull_tasks`
reads the regions, runs the corpus check (:func:`toll.models.text.validation.check_document`) and writes
``seeds/<id>.txt`` and ``data/corpus/<id>.json`` with the same atomic writers and the same JSON
form as ``toll-data import-markup``. A task with any problem writes nothing and is reported by its
task id. Tasks not annotated yet and tasks the annotators skipped (every annotation cancelled)
are counted apart. An article already in the corpus keeps its task id and its metadata (country,
year, ...); the report says per article whether it is new, updated or unchanged. New articles
join no split: ``toll-data split`` assigns them.

>>> import tempfile, pathlib
>>> from toll.models.text.schema import Schema
>>> root = pathlib.Path(tempfile.mkdtemp())
>>> text = "Gunmen killed two guards."
>>> task = {"id": 12, "data": {"text": text, "article_id": "kano_brief"}, "annotations": [{"id": 3,
...     "result": [{"id": "a", "type": "labels", "value": {"start": 0, "end": 6, "labels": ["ACTOR"]}},
...                {"id": "k", "type": "labels", "value": {"start": 14, "end": 24, "labels": ["KILLED"]}},
...                {"from_id": "k", "to_id": "a", "type": "relation", "labels": ["perpetrator"]}]}]}
>>> report = pull_tasks([task], Schema.load(), root / "corpus", root / "seeds")
>>> report.new, report.problems
([('kano_brief', 12)], [])
>>> (root / "seeds" / "kano_brief.txt").read_text() == text
True
>>> pull_tasks([task], Schema.load(), root / "corpus", root / "seeds").unchanged
[('kano_brief', 12)]
"""

from __future__ import annotations

import json

import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from toll.models.common.atomic import atomic_write_text
from toll.training.corpus.files import load_annotation_dir
from toll.models.text.document import Document, Entity, Relation
from toll.models.common.errors import CorpusError
from toll.models.text.schema import Schema
from toll.models.text.standoff import standoff_record
from toll.models.text.validation import Problem
from toll.models.text.studio_format import document_to_task, dumps_tasks, task_to_document
from toll.models.text.validation import check_document

ORIGIN = "Label Studio export"
_ARTICLE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,199}")


def article_id_problem(article_id: str) -> str | None:
    """Why an article id cannot name the files ``<id>.txt``/``<id>.json``, or None.

    >>> article_id_problem("031_saada_market_airstrike") is None
    True
    >>> article_id_problem("../../etc/passwd")
    "article id '../../etc/passwd' cannot name a file (letters, digits, '.', '_', '-'; no leading dot)"
    """
    if isinstance(article_id, str) and _ARTICLE_ID.fullmatch(article_id):
        return None
    return (f"article id {article_id!r} cannot name a file (letters, digits, '.', '_', '-'; "
            "no leading dot)")


@dataclass
class PullReport:
    new: list[tuple[str, int]] = field(default_factory=list)        # (article id, task id)
    updated: list[tuple[str, int]] = field(default_factory=list)
    unchanged: list[tuple[str, int]] = field(default_factory=list)
    not_annotated: list[int] = field(default_factory=list)          # task ids
    skipped: list[int] = field(default_factory=list)                # task ids every annotator skipped
    problems: list[Problem] = field(default_factory=list)
    rejected: list[int] = field(default_factory=list)               # task ids not written

    def lines(self) -> list[str]:
        out = [f"{kind:<9}  {article}  (task {task})"
               for kind, items in (("new", self.new), ("updated", self.updated))
               for article, task in items]
        out.append(f"{len(self.new)} new, {len(self.updated)} updated, {len(self.unchanged)} unchanged; "
                   f"{len(self.rejected)} task(s) not written because of problems; "
                   f"{len(self.not_annotated)} task(s) not annotated yet; "
                   f"{len(self.skipped)} task(s) skipped by the annotators")
        if self.new:
            out.append(f"{len(self.new)} new article(s) are in no split yet: run `toll-data split` "
                       "to assign them to train/dev/test")
        return out


def annotation_state(task: dict) -> str:
    """``"annotated"`` (an annotation that was not cancelled), ``"skipped"`` (only cancelled
    ones: the annotator pressed *Skip*) or ``"not annotated"``.

    >>> annotation_state({"annotations": [{"was_cancelled": True, "result": []}]})
    'skipped'
    >>> annotation_state({"annotations": [{"was_cancelled": True}, {"was_cancelled": False}]})
    'annotated'
    >>> annotation_state({"annotations": []})
    'not annotated'
    """
    annotations = [a for a in task.get("annotations") or [] if isinstance(a, dict)]
    if any(not a.get("was_cancelled") for a in annotations):
        return "annotated"
    return "skipped" if annotations else "not annotated"


class _CorpusFolder:
    """What is on disk already: documents by article id, their files, the task ids in use."""

    def __init__(self, corpus_dir: Path):
        self.dir = corpus_dir
        found: list[Problem] = []
        self.docs = load_annotation_dir(corpus_dir, found) if corpus_dir.is_dir() else {}
        self.task_ids = {d.meta.get("task_id") for d in self.docs.values()}

    def path_for(self, article_id: str) -> Path:
        doc = self.docs.get(article_id)
        return Path(doc.meta["path"]) if doc else self.dir / f"{article_id}.json"

    def new_task_id(self, article_id: str) -> int:
        """Articles named ``NNN_slug`` get task id NNN (as import-markup does), else the next free id."""
        head = article_id.split("_", 1)[0]
        if head.isdigit() and int(head) not in self.task_ids:
            return int(head)
        return max([t for t in self.task_ids if isinstance(t, int)] + [0]) + 1


def corpus_document(doc: Document, existing: Document | None, task_id: int) -> Document:
    """The pulled annotation in corpus form: no scores, existing metadata kept, task data added."""
    if existing is not None:
        data = dict(existing.meta.get("data", {}))
        annotation_id = existing.meta.get("annotation_id", 1)
    else:
        data = {"article_id": doc.id, "source": f"{doc.id}.txt"}
        annotation_id = 1
    data.update(doc.meta.get("data", {}))
    data["article_id"] = doc.id
    entities = [Entity(e.id, e.start, e.end, e.label) for e in doc.entities]
    relations = [Relation(r.head, r.tail, r.label) for r in doc.relations]
    return Document(doc.id, doc.text, entities, relations,
                    {"task_id": task_id, "annotation_id": annotation_id, "data": data})


def _write_standoff(task: dict, doc: Document, folder: str | Path | None, report: PullReport) -> None:
    data = doc.meta["data"]
    where = f"{ORIGIN}: task {task.get('id')} ({doc.id})"
    if folder is None or not Path(folder).is_dir() or not data.get("id"):
        report.problems.append(Problem(where, "a standoff article (its text may not be committed) needs an "
                                              "existing --standoff folder and the task's data.id"))
        report.rejected.append(task.get("id"))
        return
    path = Path(folder) / f"{doc.id}.json"
    clean = Document(doc.id, doc.text, [Entity(e.id, e.start, e.end, e.label) for e in doc.entities],
                     [Relation(r.head, r.tail, r.label) for r in doc.relations],
                     {"data": {k: v for k, v in data.items() if k not in ("text", "standoff")}})
    text = json.dumps(standoff_record(clean, data["standoff"], data["id"]), ensure_ascii=False, indent=1) + "\n"
    old = path.read_text(encoding="utf-8") if path.exists() else None
    if old == text:
        report.unchanged.append((doc.id, task["id"]))
        return
    atomic_write_text(path, text)
    (report.updated if old is not None else report.new).append((doc.id, task["id"]))


def _read_task(task: dict, schema: Schema, seeds_dir: Path) -> tuple[Document | None, list[Problem]]:
    problems: list[Problem] = []
    try:
        doc = task_to_document(task, ORIGIN, problems)
    except CorpusError as exc:  # the message starts with "<ORIGIN>: task N"
        return None, [Problem(ORIGIN, str(exc).removeprefix(f"{ORIGIN}: "))]
    where = f"{ORIGIN}: task {task.get('id')} ({doc.id})"
    bad_id = article_id_problem(doc.id)
    if bad_id:
        return None, problems + [Problem(where, bad_id)]
    problems.extend(check_document(doc, schema, where))
    seed = seeds_dir / f"{doc.id}.txt"
    if "standoff" not in doc.meta.get("data", {}) and seed.exists() and seed.read_text(encoding="utf-8") != doc.text:
        problems.append(Problem(where, f"the task's text differs from {seed}; not overwritten"))
    return doc, problems


def pull_tasks(tasks: list[dict], schema: Schema, corpus_dir: str | Path, seeds_dir: str | Path,
               standoff_dir: str | Path | None = None) -> PullReport:
    """Check every annotated task and write the valid ones into the corpus. A task that carries a
    text that may not be committed (``data.standoff``) becomes a standoff record in ``standoff_dir``:
    offsets and the text's hash, never the text."""
    corpus_dir, seeds_dir = Path(corpus_dir), Path(seeds_dir)
    report = PullReport()
    corpus = _CorpusFolder(corpus_dir)
    readable: dict[str, list[tuple[dict, Document]]] = defaultdict(list)
    for task in tasks:
        if not isinstance(task, dict):
            report.problems.append(Problem(ORIGIN, f"a task must be a JSON object, got {type(task).__name__}"))
            continue
        state = annotation_state(task)
        if state != "annotated":
            (report.skipped if state == "skipped" else report.not_annotated).append(task.get("id"))
            continue
        doc, problems = _read_task(task, schema, seeds_dir)
        if problems or doc is None:
            report.problems.extend(problems)
            report.rejected.append(task.get("id"))
            continue
        readable[doc.id].append((task, doc))

    for article_id, items in readable.items():
        if len(items) > 1:
            ids = ", ".join(str(t["id"]) for t, _ in items)
            for task, _ in items:
                report.problems.append(Problem(f"{ORIGIN}: task {task['id']} ({article_id})",
                                               f"article {article_id!r} is annotated in tasks {ids}; "
                                               "keep one of them in Label Studio"))
                report.rejected.append(task["id"])
            continue
        task, doc = items[0]
        if "standoff" in doc.meta.get("data", {}):
            _write_standoff(task, doc, standoff_dir, report)
            continue
        existing = corpus.docs.get(article_id)
        path = corpus.path_for(article_id)
        if existing is None and path.exists():
            report.problems.append(Problem(f"{ORIGIN}: task {task['id']} ({article_id})",
                                           f"{path} exists but cannot be read; fix or remove it first"))
            report.rejected.append(task["id"])
            continue
        task_id = existing.meta.get("task_id") if existing else corpus.new_task_id(article_id)
        corpus.task_ids.add(task_id)
        text = dumps_tasks([document_to_task(corpus_document(doc, existing, task_id), task_id)])
        seed = seeds_dir / f"{article_id}.txt"
        old = path.read_text(encoding="utf-8") if path.exists() else None
        if old == text and seed.exists():
            report.unchanged.append((article_id, task["id"]))
            continue
        if not seed.exists():
            atomic_write_text(seed, doc.text)
        atomic_write_text(path, text)
        (report.updated if existing else report.new).append((article_id, task["id"]))
    return report
