"""Annotation batches of real text, outside Label Studio: make a batch, annotate it, check it, import it.

A batch is a folder (``runs/annotate/<name>/``, git-ignored, since it may hold text that must never
be committed)::

    items.jsonl        one line per item: id, origin, source_id, sha256, committable, data
    todo/<id>.txt      the item's text, exactly as the corpus will hold it
    done/<id>.md       the annotation, in inline markup (:mod:`toll.models.text.inline`): the text of
                       todo/<id>.txt with ``[[span|LABEL#id]]`` marks and a relations block

``check_batch`` parses every ``done/*.md``, requires its text to equal the item's text character
for character, and runs the corpus check on it. ``import_batch`` writes committable items into
``data/corpus/<id>.json`` + ``seeds/<id>.txt`` and the others as standoff
(``data/standoff/<id>.json``: offsets, labels, the dataset's document id and the text's SHA-256,
no text).
"""

from __future__ import annotations

import json
import random
from dataclasses import asdict
from pathlib import Path
from typing import Iterable

from toll.models.common.atomic import atomic_write_text
from toll.models.text.document import Document
from toll.models.common.errors import CorpusError
from toll.models.text.inline import parse_inline
from toll.models.text.schema import Schema
from toll.models.text.standoff import sha256, standoff_record
from toll.models.text.validation import Problem
from toll.models.text.studio_format import document_to_task, dumps_tasks
from toll.models.text.validation import check_document
from toll.training.corpus.real_sources import RealItem


def make_batch(items: Iterable[RealItem], folder: Path) -> int:
    """Write the items' texts and their ``items.jsonl`` into ``folder``; returns how many."""
    items = list(items)
    (folder / "todo").mkdir(parents=True, exist_ok=True)
    (folder / "done").mkdir(exist_ok=True)
    lines = []
    for item in items:
        atomic_write_text(folder / "todo" / f"{item.id}.txt", item.text)
        record = {k: v for k, v in asdict(item).items() if k != "text"}
        lines.append(json.dumps({**record, "sha256": item.sha256}, ensure_ascii=False))
    atomic_write_text(folder / "items.jsonl", "\n".join(lines) + "\n")
    return len(items)


def sample(items: list[RealItem], count: int, seed: int, exclude: set[str]) -> list[RealItem]:
    """``count`` items not in ``exclude``, a seeded sample in the dataset's order."""
    pool = [i for i in items if i.id not in exclude]
    picked = sorted(random.Random(seed).sample(range(len(pool)), min(count, len(pool))))
    return [pool[i] for i in picked]


def _batch_items(folder: Path) -> dict[str, dict]:
    path = folder / "items.jsonl"
    if not path.is_file():
        raise CorpusError(f"{folder}: not a batch folder (no items.jsonl)")
    return {r["id"]: r for r in map(json.loads, path.read_text(encoding="utf-8").splitlines()) if r}


def read_annotation(folder: Path, item_id: str, schema: Schema) -> tuple[Document | None, list[Problem]]:
    """Parse ``done/<id>.md`` against ``todo/<id>.txt``; (document, problems)."""
    path = folder / "done" / f"{item_id}.md"
    text = (folder / "todo" / f"{item_id}.txt").read_text(encoding="utf-8")
    try:
        doc = parse_inline(path.read_text(encoding="utf-8"), doc_id=item_id)
    except CorpusError as exc:
        return None, [Problem(str(path), str(exc))]
    if doc.text != text:
        at = next((i for i, (a, b) in enumerate(zip(text, doc.text)) if a != b), min(len(text), len(doc.text)))
        return None, [Problem(str(path), f"text differs from todo/{item_id}.txt at character {at}: "
                                         f"markup has {doc.text[at:at + 25]!r}, the text has {text[at:at + 25]!r}")]
    problems = check_document(doc, schema, str(path))
    return (None if problems else doc), problems


def check_batch(folder: Path, schema: Schema) -> tuple[list[str], list[str], list[Problem]]:
    """(annotated ids that pass, ids not annotated yet, problems)."""
    ok, missing, problems = [], [], []
    for item_id in _batch_items(folder):
        if not (folder / "done" / f"{item_id}.md").is_file():
            missing.append(item_id)
            continue
        doc, found = read_annotation(folder, item_id, schema)
        problems.extend(found)
        if doc is not None:
            ok.append(item_id)
    return ok, missing, problems


def import_batch(
    folder: Path, schema: Schema, corpus_dir: Path, seeds_dir: Path, standoff_dir: Path,
) -> tuple[list[str], list[Problem]]:
    """Import every annotated item that passes; committable items get a Label Studio task and a
    seed text, the others a standoff record. Returns (imported ids, problems)."""
    imported, problems = [], []
    for item_id, record in _batch_items(folder).items():
        if not (folder / "done" / f"{item_id}.md").is_file():
            continue
        doc, found = read_annotation(folder, item_id, schema)
        problems.extend(found)
        if doc is None:
            continue
        if sha256(doc.text) != record["sha256"]:
            problems.append(Problem(item_id, "text hash differs from items.jsonl"))
            continue
        data = {"article_id": item_id, "id": record["source_id"], "origin": record["origin"],
                "written_for_project": False, **record["data"]}
        doc = Document(doc.id, doc.text, doc.entities, doc.relations, {"data": data})
        if record["committable"]:
            atomic_write_text(seeds_dir / f"{item_id}.txt", doc.text)
            atomic_write_text(corpus_dir / f"{item_id}.json", dumps_tasks([document_to_task(doc, task_id(item_id))]))
        else:
            atomic_write_text(standoff_dir / f"{item_id}.json",
                              json.dumps(standoff_record(doc, record["origin"], record["source_id"]),
                                         ensure_ascii=False, indent=1) + "\n")
        imported.append(item_id)
    return imported, problems


def task_id(item_id: str) -> int:
    """A stable task id for a real item: 10**6 plus 8 hex digits of its id's hash."""
    return 10**6 + int(sha256(item_id)[:8], 16)


def export_standoff(folder: Path, schema: Schema, out: Path, wanted: set[str] | None = None
                    ) -> tuple[list[str], list[Problem]]:
    """Every annotated item (or those in ``wanted``) as a standoff record in ``out``: an annotation
    pass that holds no text, whatever the item's licence."""
    written, problems = [], []
    for item_id, record in _batch_items(folder).items():
        if (wanted is not None and item_id not in wanted) or not (folder / "done" / f"{item_id}.md").is_file():
            continue
        doc, found = read_annotation(folder, item_id, schema)
        problems.extend(found)
        if doc is not None:
            atomic_write_text(out / f"{item_id}.json", json.dumps(
                standoff_record(doc, record["origin"], record["source_id"]), ensure_ascii=False, indent=1) + "\n")
            written.append(item_id)
    return written, problems
