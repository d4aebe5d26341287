"""Bring hand-written articles in inline markup (:mod:`toll.models.text.inline`) into the corpus.

Each markup file becomes ``seeds/<id>.txt`` and ``data/corpus/<id>.json`` (a Label Studio export),
after the same checks as the corpus check; a file with problems writes nothing.
"""

from __future__ import annotations

from pathlib import Path

from toll.models.common.atomic import atomic_write_text
from toll.models.text.document import Document
from toll.models.common.errors import CorpusError
from toll.models.text.inline import parse_inline
from toll.models.text.schema import Schema
from toll.models.text.validation import Problem
from toll.models.text.studio_format import document_to_task, dumps_tasks
from toll.models.text.validation import check_document

REQUIRED_META = ("country", "conflict", "year", "genre")


def markup_to_document(path: Path, require_meta: bool = True) -> Document:
    doc = parse_inline(path.read_text(encoding="utf-8"), doc_id=path.stem)
    data = dict(doc.meta.get("data", {}))
    missing = [k for k in REQUIRED_META if k not in data]
    if missing and require_meta:
        raise CorpusError(f"{path}: front matter lacks {', '.join(missing)}")
    data = {"article_id": path.stem, "source": f"{path.stem}.txt", "written_for_project": True, **data}
    return Document(doc.id, doc.text, doc.entities, doc.relations, {"data": data})


def import_markup(
    paths: list[Path], seeds_dir: Path | None, corpus_dir: Path, schema: Schema,
    text_from: Path | None = None, first_task_id: int = 1000,
) -> tuple[list[str], list[Problem]]:
    """Write each valid markup file into ``corpus_dir`` (and its text into ``seeds_dir`` unless
    None); with ``text_from`` the text must equal ``text_from/<id>.txt`` (a second annotation of an
    existing article). Returns (written ids, problems)."""
    written: list[str] = []
    problems: list[Problem] = []
    for n, path in enumerate(sorted(paths)):
        try:
            doc = markup_to_document(path, require_meta=seeds_dir is not None)
        except CorpusError as exc:
            problems.append(Problem(str(path), str(exc)))
            continue
        if text_from is not None:
            original = (text_from / f"{doc.id}.txt").read_text(encoding="utf-8")
            if original != doc.text:
                at = next((i for i, (a, b) in enumerate(zip(original, doc.text)) if a != b),
                          min(len(original), len(doc.text)))
                problems.append(Problem(str(path), f"text differs from {text_from / (doc.id + '.txt')} at "
                                                   f"character {at}: {doc.text[at:at + 30]!r} vs "
                                                   f"{original[at:at + 30]!r}"))
                continue
        found = check_document(doc, schema, str(path))
        if found:
            problems.extend(found)
            continue
        task_id = _stable_task_id(doc.id, first_task_id + n)
        if seeds_dir is not None:
            atomic_write_text(seeds_dir / f"{doc.id}.txt", doc.text)
        atomic_write_text(corpus_dir / f"{doc.id}.json", dumps_tasks([document_to_task(doc, task_id)]))
        written.append(doc.id)
    return written, problems


def _stable_task_id(doc_id: str, fallback: int) -> int:
    """Articles are named ``NNN_slug``; their number is their task id."""
    head = doc_id.split("_", 1)[0]
    return int(head) if head.isdigit() else fallback
