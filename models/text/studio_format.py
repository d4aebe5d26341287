"""Label Studio tasks <-> :class:`~toll.models.text.document.Document`.

The corpus on disk is Label Studio's JSON export: a list of tasks, each with ``data.text`` and
``annotations[].result[]`` holding span regions (``type: labels``) and relation regions
(``type: relation``). Files this project writes read back to the same bytes
(:func:`dumps_tasks`). Reading the files is :mod:`toll.models.text.studio_files`; the labeling
config the regions refer to is :mod:`toll.models.text.studio_config`.

>>> from toll.models.text.document import Document, Entity, Relation
>>> doc = Document("brief-1", "Gunmen killed two guards.",
...                (Entity("a1", 0, 6, "ACTOR"), Entity("c1", 14, 24, "KILLED")),
...                (Relation("c1", "a1", "perpetrator"),))
>>> task = document_to_task(doc)
>>> task["annotations"][0]["result"][1]["value"]
{'start': 14, 'end': 24, 'text': 'two guards', 'labels': ['KILLED']}
>>> task_to_document(task, "example").relations
(Relation(head='c1', tail='a1', label='perpetrator', score=None),)
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path
from typing import Any

from toll.models.text.document import Document, Entity, Relation
from toll.models.common.errors import CorpusError
from toll.models.text.studio_config import FROM_NAME, TO_NAME
from toll.models.text.validation import Problem

_SURROGATE = re.compile("[\ud800-\udfff]")


def _doc_id(task: dict[str, Any]) -> str:
    data = task.get("data", {})
    for key in ("article_id", "id"):
        if isinstance(data.get(key), str) and data[key]:
            return data[key]
    if isinstance(data.get("source"), str) and data["source"]:
        return Path(data["source"]).stem
    return f"task-{task.get('id')}"


def _annotation_list(task: dict[str, Any], key: str, where: str) -> list[dict[str, Any]]:
    """``task[key]`` (annotations or predictions): a list of objects, else :class:`CorpusError`."""
    items = task.get(key) or []
    if not isinstance(items, list) or not all(isinstance(a, dict) for a in items):
        raise CorpusError(f"{where}: {key} must be a list of objects")
    return items


def _newest_first_key(annotation: dict[str, Any]) -> tuple:
    """Sort key of an annotation: its time, then its id (numeric ids numerically, others as text)."""
    aid = annotation.get("id")
    number = aid if isinstance(aid, (int, float)) and not isinstance(aid, bool) and aid == aid else None
    return (str(annotation.get("updated_at") or annotation.get("created_at") or ""),
            number is not None, number or 0, str(aid))


def _pick_annotation(task: dict[str, Any], where: str) -> dict[str, Any] | None:
    """The newest annotation that was not cancelled (Label Studio keeps every annotator's)."""
    usable = [a for a in _annotation_list(task, "annotations", where) if not a.get("was_cancelled")]
    if not usable:
        return None
    return max(usable, key=_newest_first_key)


def _score(region: dict[str, Any]) -> float | None:
    """A region's ``score``: absent, or a finite number (ValueError otherwise)."""
    score = region.get("score")
    if score is None:
        return None
    if isinstance(score, bool) or not isinstance(score, (int, float)) or not math.isfinite(score):
        raise ValueError(f"score must be a number, got {score!r}")
    return float(score)


def task_to_document(
    task: Any, origin: str, problems: list[Problem] | None = None, *, use_predictions: bool = False
) -> Document:
    """Read one exported task. Unreadable structure raises :class:`CorpusError`; region-level
    problems (text not matching offsets, bad relation ends) are appended to ``problems`` when
    given, else raised."""
    collected: list[Problem] = [] if problems is None else problems
    n_before = len(collected)
    if not isinstance(task, dict):
        raise CorpusError(f"{origin}: a task must be a JSON object, got {type(task).__name__}")
    task_where = f"{origin}: task {task.get('id', '?')}"
    data = task.get("data")
    if not isinstance(data, dict) or not isinstance(data.get("text"), str):
        raise CorpusError(f"{task_where}: missing data.text")
    text = data["text"]
    bad = _SURROGATE.search(text)
    if bad:  # only a JSON escape ("\ud800") makes one; no tokenizer or UTF-8 file takes it
        raise CorpusError(f"{task_where}: data.text has a lone surrogate {bad.group()!a} at character "
                          f"{bad.start()}, not valid Unicode")
    doc_id = _doc_id(task)
    where = f"{task_where} ({doc_id})"

    if use_predictions:
        preds = _annotation_list(task, "predictions", where)
        annotation = preds[-1] if preds else None
    else:
        annotation = _pick_annotation(task, where)
    results = annotation.get("result", []) if annotation else []
    if not isinstance(results, list):
        raise CorpusError(f"{where}: annotation result must be a list")

    entities: list[Entity] = []
    relations: list[Relation] = []
    for i, region in enumerate(results):
        if not isinstance(region, dict):
            raise CorpusError(f"{where}: result[{i}] is not an object")
    names = _span_names(results, text)
    for i, region in enumerate(results):
        kind = region.get("type")
        rid = region.get("id")
        if kind == "labels":
            entity = _read_span(region, text, f"{where}: region {rid or i}", collected)
            if entity is not None:
                entities.append(entity)
        elif kind == "relation":
            relation = _read_relation(region, where, collected, names)
            if relation is not None:
                relations.append(relation)
        else:
            collected.append(Problem(f"{where}: result[{i}]", f"unsupported region type {kind!r}"))

    meta: dict[str, Any] = {"task_id": task.get("id")}
    extra_data = {k: v for k, v in data.items() if k != "text"}
    if extra_data:
        meta["data"] = extra_data
    if annotation is not None and "id" in annotation:
        meta["annotation_id"] = annotation["id"]
    if "meta" in task:
        meta["task_meta"] = task["meta"]
    if problems is None and len(collected) > n_before:
        raise CorpusError("\n".join(str(p) for p in collected[n_before:]))
    return Document(doc_id, text, tuple(entities), tuple(relations), meta)


def _read_span(region: dict, text: str, where: str, problems: list[Problem]) -> Entity | None:
    value = region.get("value")
    rid = region.get("id")
    if not isinstance(value, dict) or not isinstance(rid, str) or not rid:
        problems.append(Problem(where, "span region needs an 'id' and a 'value' object"))
        return None
    start, end, labels = value.get("start"), value.get("end"), value.get("labels")
    if not (type(start) is int and type(end) is int):  # not bool, which is an int too
        problems.append(Problem(where, f"start/end must be integers, got {start!r}/{end!r}"))
        return None
    if not (0 <= start < end <= len(text)):
        problems.append(
            Problem(where, f"offsets [{start}, {end}) outside the text (length {len(text)}) or empty")
        )
        return None
    if not isinstance(labels, list) or len(labels) != 1 or not isinstance(labels[0], str):
        problems.append(Problem(where, f"a span needs exactly one label, got {labels!r}"))
        return None
    if "text" in value and value["text"] != text[start:end]:
        problems.append(
            Problem(where, f"span text {value['text']!r} does not match text[{start}:{end}] = "
                    f"{text[start:end]!r}")
        )
        return None
    try:
        score = _score(region)
    except ValueError as exc:
        problems.append(Problem(where, str(exc)))
        return None
    return Entity(rid, start, end, labels[0], score)


def _span_names(results: list[dict], text: str) -> dict[str, str]:
    """Span region id -> the text it covers, to name a relation's ends in messages."""
    names: dict[str, str] = {}
    for region in results:
        value = region.get("value")
        if region.get("type") == "labels" and isinstance(value, dict) and isinstance(region.get("id"), str):
            start, end = value.get("start"), value.get("end")
            if isinstance(start, int) and isinstance(end, int) and 0 <= start < end <= len(text):
                names[region["id"]] = text[start:end]
    return names


def _relation_name(head: object, tail: object, names: dict[str, str]) -> str:
    """``relation "two guards" -> "Gunmen"`` (region ids where a span is unknown).

    >>> _relation_name("k", "zz", {"k": "two guards"})
    'relation "two guards" -> zz'
    """
    def end(rid: object) -> str:
        return json.dumps(names[rid], ensure_ascii=False) if rid in names else str(rid)

    return f"relation {end(head)} -> {end(tail)}"


def _read_relation(region: dict, where: str, problems: list[Problem],
                   names: dict[str, str] | None = None) -> Relation | None:
    head, tail = region.get("from_id"), region.get("to_id")
    labels = region.get("labels")
    direction = region.get("direction", "right")
    if not isinstance(head, str) or not isinstance(tail, str):
        problems.append(Problem(where, "a relation needs from_id and to_id"))
        return None
    name = _relation_name(head, tail, names or {})
    if not labels:
        problems.append(Problem(where, f"{name} has no label"))
        return None
    if not isinstance(labels, list) or not all(isinstance(label, str) for label in labels):
        problems.append(Problem(where, f"{name} has labels {labels!r}; expected a list of one label"))
        return None
    if len(labels) != 1:
        problems.append(Problem(where, f"{name} has {len(labels)} labels {labels!r}; keep one"))
        return None
    if direction == "left":
        head, tail = tail, head
    elif direction != "right":
        problems.append(Problem(where, f"{name} has direction {direction!r}; use 'right' (or 'left')"))
        return None
    try:
        score = _score(region)
    except ValueError as exc:
        problems.append(Problem(where, f"{name}: {exc}"))
        return None
    return Relation(head, tail, labels[0], score)


def document_to_regions(doc: Document) -> list[dict[str, Any]]:
    """Label Studio result regions for a document's entities, then its relations."""
    regions: list[dict[str, Any]] = []
    for e in doc.entities:
        region: dict[str, Any] = {
            "id": e.id,
            "from_name": FROM_NAME,
            "to_name": TO_NAME,
            "type": "labels",
            "value": {"start": e.start, "end": e.end, "text": doc.span_text(e), "labels": [e.label]},
        }
        if e.score is not None:
            region["score"] = round(e.score, 4)
        regions.append(region)
    for r in doc.relations:
        region = {
            "from_id": r.head,
            "to_id": r.tail,
            "type": "relation",
            "direction": "right",
            "labels": [r.label],
        }
        if r.score is not None:
            region["score"] = round(r.score, 4)
        regions.append(region)
    return regions


def document_to_task(doc: Document, task_id: int | None = None) -> dict[str, Any]:
    """One task in Label Studio export format with the document's annotations."""
    data = {"text": doc.text, **doc.meta.get("data", {})}
    task: dict[str, Any] = {
        "id": task_id if task_id is not None else doc.meta.get("task_id"),
        "data": data,
        "annotations": [{"id": doc.meta.get("annotation_id", 1), "result": document_to_regions(doc)}],
    }
    if "task_meta" in doc.meta:
        task["meta"] = doc.meta["task_meta"]
    return task


def dumps_tasks(tasks: list[dict[str, Any]]) -> str:
    """The canonical on-disk form: UTF-8 JSON, two-space indent, non-ASCII kept, trailing newline."""
    return json.dumps(tasks, ensure_ascii=False, indent=2) + "\n"
