"""Articles -> Label Studio tasks with the model's predictions attached, without duplicates.

A task is identified by ``data.article_id``. Pushing an article again does not create a second
task: if the task already carries a prediction of this model version nothing happens, otherwise
the new model's prediction is added to the existing task. An article whose text differs from
its task's text is reported and left alone (annotations on the old text would no longer fit).

An article already in the corpus (``data/corpus/<id>.json``) goes with its corpus annotation as
the task's annotation, beside the prediction, so that pulling the task gives the corpus file back
instead of whatever the model predicted. A task of such an article that has no annotation yet
(pushed before this rule) is given the corpus annotation. Reading the articles and the corpus is
:mod:`toll.training.corpus.studio.push_inputs`.

>>> from toll.models.text.document import Document
>>> existing = {"a": {"id": 4, "data": {"text": "One died.", "article_id": "a"},
...                   "predictions": [{"model_version": "m@1"}]},
...             "b": {"id": 5, "data": {"text": "Two died.", "article_id": "b"}, "predictions": []}}
>>> plan = plan_push([Document("a", "One died."), Document("b", "Two died."), Document("c", "Three."),
...                   Document("a", "One died.")], existing, "m@1")
>>> [d.id for d in plan.new], [(t, d.id) for t, d in plan.repredict], plan.unchanged
(['c'], [(5, 'b')], ['a'])
>>> plan.problems
["article 'a' is given twice; pushed once"]
"""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass, field
from typing import Callable, Iterable, Iterator

from toll.models.text.document import Document
from toll.models.text.studio_format import document_to_regions
from toll.training.corpus.studio.predictions import studio_prediction
from toll.training.corpus.studio.projects import ProjectRef
from toll.training.corpus.studio.pull import article_id_problem

CHUNK = 32  # documents predicted and imported per request
# Task data a standoff article carries through Label Studio and back (toll.models.text.standoff).
STANDOFF_KEYS = ("standoff", "id", "origin", "title", "licence", "url_or_origin", "muc4_split", "subset")


@dataclass
class PushPlan:
    new: list[Document] = field(default_factory=list)
    repredict: list[tuple[int, Document]] = field(default_factory=list)  # (task id, document)
    annotate: list[tuple[int, Document]] = field(default_factory=list)   # (task id, corpus document)
    unchanged: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    corpus: dict[str, Document] = field(default_factory=dict)  # corpus annotations of new articles

    @property
    def size(self) -> int:
        """Articles the model runs on (the progress bar's total)."""
        return len(self.new) + len(self.repredict)


@dataclass
class PushReport:
    created: list[str] = field(default_factory=list)
    repredicted: list[str] = field(default_factory=list)
    from_corpus: list[str] = field(default_factory=list)  # tasks that got the corpus annotation
    unchanged: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def summary(self) -> str:
        corpus = f"; {len(self.from_corpus)} carry their corpus annotation" if self.from_corpus else ""
        return (f"{len(self.created)} task(s) created, {len(self.repredicted)} given a new prediction, "
                f"{len(self.unchanged)} unchanged, {len(self.problems)} problem(s){corpus}")


def existing_articles(tasks: list[dict]) -> dict[str, dict]:
    """Exported tasks keyed by ``data.article_id`` (tasks without one are not ours)."""
    out: dict[str, dict] = {}
    for task in tasks:
        article_id = (task.get("data") or {}).get("article_id")
        if isinstance(article_id, str) and article_id not in out:
            out[article_id] = task
    return out


def _article_problem(doc: Document, corpus: dict[str, Document | None]) -> str | None:
    bad_id = article_id_problem(doc.id)
    if bad_id:
        return bad_id
    if not doc.text.strip():
        return f"article {doc.id!r} is empty; not pushed"
    if doc.id in corpus and corpus[doc.id] is None:
        return f"article {doc.id!r}: its corpus file has problems; fix them (`toll-train --check`) first"
    known = corpus.get(doc.id)
    if known is not None and known.text != doc.text:
        return (f"article {doc.id!r} differs from its text in the corpus ({known.meta.get('path')}); "
                "not pushed (rename the article, or fix the corpus)")
    return None


def plan_push(docs: Iterable[Document], existing: dict[str, dict], version: str,
              corpus: dict[str, Document | None] | None = None) -> PushPlan:
    """Decide per article: new task, new prediction on its task, nothing, or a problem.

    ``corpus`` maps article ids to their corpus annotation (None: the file is unreadable).
    """
    corpus = corpus or {}
    plan = PushPlan()
    seen: set[str] = set()
    for doc in docs:
        if doc.id in seen:
            plan.problems.append(f"article {doc.id!r} is given twice; pushed once")
            continue
        seen.add(doc.id)
        problem = _article_problem(doc, corpus)
        if problem:
            plan.problems.append(problem)
            continue
        task = existing.get(doc.id)
        if task is None:
            plan.new.append(doc)
            if corpus.get(doc.id) is not None:
                plan.corpus[doc.id] = corpus[doc.id]
            continue
        if task["data"].get("text") != doc.text:
            plan.problems.append(f"article {doc.id!r} is task {task['id']} with a different text; not pushed "
                                 "(delete that task in Label Studio to replace it)")
            continue
        if corpus.get(doc.id) is not None and not task.get("annotations"):
            plan.annotate.append((task["id"], corpus[doc.id]))
        if any(p.get("model_version") == version for p in task.get("predictions") or []
               if isinstance(p, dict)):
            plan.unchanged.append(doc.id)
        else:
            plan.repredict.append((task["id"], doc))
    return plan


def corpus_annotation(doc: Document) -> dict:
    """A corpus annotation as a task annotation: its regions, ids and offsets as in the file."""
    return {"result": document_to_regions(doc)}


def new_task(prediction_doc: Document, version: str, corpus_doc: Document | None = None) -> dict:
    """The import payload for one article: its text, its id, the model's prediction, and the
    corpus annotation when the article is in the corpus already."""
    data = {"text": prediction_doc.text, "article_id": prediction_doc.id}
    source = prediction_doc.meta.get("data", {})
    if "standoff" in source:  # a text that may not be committed: the pull writes a standoff record
        data.update({k: source[k] for k in STANDOFF_KEYS if k in source})
    task = {"data": data, "predictions": [studio_prediction(prediction_doc, version)]}
    if corpus_doc is not None:
        task["annotations"] = [corpus_annotation(corpus_doc)]
    return task


def tasks_for_articles(client, project: ProjectRef, article_ids: list[str]) -> set[str]:
    """Which of ``article_ids`` have a task in ``project`` now (a Data Manager filter query)."""
    items = [{"filter": "filter:tasks:data.article_id", "operator": "equal", "type": "String", "value": a}
             for a in article_ids]
    query = json.dumps({"filters": {"conjunction": "or", "items": items}})
    found = (t.data.get("article_id") for t in client.tasks.list(project=project.id, query=query))
    return {a for a in found if a in set(article_ids)}


def _chunks(items: list, size: int) -> Iterator[list]:
    it = iter(items)
    while chunk := list(itertools.islice(it, size)):
        yield chunk


def _create_tasks(client, project: ProjectRef, plan: PushPlan, pipeline, version: str, report: PushReport,
                  progress: Callable[[int], object]) -> None:
    for chunk in _chunks(plan.new, CHUNK):
        predicted = [p.document for p in pipeline.predict_documents(chunk)]
        # another push (from another machine) may have created some since the plan was made
        taken = tasks_for_articles(client, project, [d.id for d in predicted])
        fresh = [d for d in predicted if d.id not in taken]
        if fresh:
            client.projects.import_tasks(id=project.id, request=[new_task(d, version, plan.corpus.get(d.id))
                                                                 for d in fresh])
        report.created.extend(d.id for d in fresh)
        report.from_corpus.extend(d.id for d in fresh if d.id in plan.corpus)
        report.unchanged.extend(sorted(taken))
        progress(len(chunk))


def _add_predictions(client, project: ProjectRef, plan: PushPlan, pipeline, version: str, report: PushReport,
                     progress: Callable[[int], object]) -> None:
    for chunk in _chunks(plan.repredict, CHUNK):
        predicted = pipeline.predict_documents([doc for _, doc in chunk])
        for (task_id, _), p in zip(chunk, predicted):
            pred = {k: v for k, v in studio_prediction(p.document, version).items() if v is not None}
            client.predictions.create(task=task_id, project=project.id, **pred)
            report.repredicted.append(p.document.id)
        progress(len(chunk))


def push_plan(client, project: ProjectRef, plan: PushPlan, pipeline, version: str,
              report: PushReport | None = None, progress: Callable[[int], object] = lambda n: None) -> PushReport:
    """Run the model on what the plan needs and send tasks, predictions and corpus annotations.

    ``report`` is filled as the work goes, so after Ctrl-C it says what was done; ``progress`` is
    called with the number of articles finished.
    """
    report = report if report is not None else PushReport()
    report.unchanged.extend(plan.unchanged)
    report.problems.extend(plan.problems)
    for task_id, doc in plan.annotate:
        client.annotations.create(id=task_id, **corpus_annotation(doc))
        report.from_corpus.append(doc.id)
    _create_tasks(client, project, plan, pipeline, version, report, progress)
    _add_predictions(client, project, plan, pipeline, version, report, progress)
    if report.created or report.repredicted:
        # annotators get this model's predictions as pre-annotations
        client.projects.update(id=project.id, model_version=version, show_collab_predictions=True)
    return report
