"""Articles -> Label Studio tasks with the model's predictions attached, without duplicates.

A task is identified by ``data.article_id``. Pushing an article again does not create a second
task: if the task already carries a prediction of this model version nothing happens, otherwise
the new model's prediction is added to the existing task. An article whose text differs from
its task's text is reported and left alone (annotations on the old text would no longer fit).

>>> from models.document import Document
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
from dataclasses import dataclass, field
from typing import Iterable, Iterator

from models.document import Document
from training.studio.predictions import studio_prediction
from training.studio.projects import ProjectRef
from training.studio.pull import article_id_problem

CHUNK = 32  # documents predicted and imported per request


@dataclass
class PushPlan:
    new: list[Document] = field(default_factory=list)
    repredict: list[tuple[int, Document]] = field(default_factory=list)  # (task id, document)
    unchanged: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


@dataclass
class PushReport:
    created: list[str] = field(default_factory=list)
    repredicted: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def summary(self) -> str:
        return (f"{len(self.created)} task(s) created, {len(self.repredicted)} given a new prediction, "
                f"{len(self.unchanged)} unchanged, {len(self.problems)} problem(s)")


def existing_articles(tasks: list[dict]) -> dict[str, dict]:
    """Exported tasks keyed by ``data.article_id`` (tasks without one are not ours)."""
    out: dict[str, dict] = {}
    for task in tasks:
        article_id = (task.get("data") or {}).get("article_id")
        if isinstance(article_id, str) and article_id not in out:
            out[article_id] = task
    return out


def plan_push(docs: Iterable[Document], existing: dict[str, dict], version: str) -> PushPlan:
    """Decide per article: new task, new prediction on its task, nothing, or a problem."""
    plan = PushPlan()
    seen: set[str] = set()
    for doc in docs:
        if doc.id in seen:
            plan.problems.append(f"article {doc.id!r} is given twice; pushed once")
            continue
        seen.add(doc.id)
        bad_id = article_id_problem(doc.id)
        if bad_id:
            plan.problems.append(bad_id)
            continue
        if not doc.text.strip():
            plan.problems.append(f"article {doc.id!r} is empty; not pushed")
            continue
        task = existing.get(doc.id)
        if task is None:
            plan.new.append(doc)
        elif task["data"].get("text") != doc.text:
            plan.problems.append(f"article {doc.id!r} is task {task['id']} with a different text; not pushed "
                                 "(delete that task in Label Studio to replace it)")
        elif any(p.get("model_version") == version for p in task.get("predictions") or []
                 if isinstance(p, dict)):
            plan.unchanged.append(doc.id)
        else:
            plan.repredict.append((task["id"], doc))
    return plan


def new_task(prediction_doc: Document, version: str) -> dict:
    """The import payload for one article: its text, its id, and the model's prediction."""
    return {"data": {"text": prediction_doc.text, "article_id": prediction_doc.id},
            "predictions": [studio_prediction(prediction_doc, version)]}


def _chunks(items: list, size: int) -> Iterator[list]:
    it = iter(items)
    while chunk := list(itertools.islice(it, size)):
        yield chunk


def push_plan(client, project: ProjectRef, plan: PushPlan, pipeline, version: str) -> PushReport:
    """Run the model on what the plan needs and send tasks and predictions to Label Studio."""
    report = PushReport(unchanged=list(plan.unchanged), problems=list(plan.problems))
    for chunk in _chunks(plan.new, CHUNK):
        predicted = [p.document for p in pipeline.predict_documents(chunk)]
        client.projects.import_tasks(id=project.id, request=[new_task(d, version) for d in predicted])
        report.created.extend(d.id for d in predicted)
    for chunk in _chunks(plan.repredict, CHUNK):
        predicted = pipeline.predict_documents([doc for _, doc in chunk])
        for (task_id, _), p in zip(chunk, predicted):
            pred = {k: v for k, v in studio_prediction(p.document, version).items() if v is not None}
            client.predictions.create(task=task_id, project=project.id, **pred)
            report.repredicted.append(p.document.id)
    if report.created or report.repredicted:
        # annotators get this model's predictions as pre-annotations
        client.projects.update(id=project.id, model_version=version, show_collab_predictions=True)
    return report
