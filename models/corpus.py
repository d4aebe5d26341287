"""The project corpus on disk: one Label Studio export per article plus a split file.

Layout (paths come from the config)::

    seeds/<article>.txt          the article text
    data/corpus/<article>.json   its annotation, Label Studio JSON export (one task)
    data/splits.json             {"train": [...], "dev": [...], "test": [...]} article ids

:func:`load_corpus` reads it all and collects every problem instead of stopping at the first, so
``toll-train --check`` can list them together.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from models.document import Document
from models.errors import CorpusError
from models.schema import Schema
from models.studio_format import Problem, read_documents
from models.validation import check_document

SPLIT_NAMES = ("train", "dev", "test")


@dataclass
class Corpus:
    splits: dict[str, list[Document]]
    problems: list[Problem] = field(default_factory=list)

    def all_documents(self) -> list[Document]:
        return [d for docs in self.splits.values() for d in docs]


def read_splits(path: str | Path) -> dict[str, list[str]]:
    path = Path(path)
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise CorpusError(f"{path}: split file not found") from None
    except json.JSONDecodeError as exc:
        raise CorpusError(f"{path}: not valid JSON (line {exc.lineno}: {exc.msg})") from None
    if not isinstance(raw, dict) or not all(
        isinstance(v, list) and all(isinstance(x, str) for x in v) for v in raw.values()
    ):
        raise CorpusError(f"{path}: expected {{split name: [article ids]}}")
    return raw


def load_annotation_dir(directory: str | Path, problems: list[Problem]) -> dict[str, Document]:
    """Every ``*.json`` export in a directory, keyed by document id; duplicates are problems."""
    directory = Path(directory)
    if not directory.is_dir():
        raise CorpusError(f"{directory}: annotation directory not found")
    docs: dict[str, Document] = {}
    task_ids: dict[object, str] = {}
    for path in sorted(directory.glob("*.json")):
        try:
            file_docs = read_documents(path, problems)
        except CorpusError as exc:
            problems.append(Problem(str(path), str(exc).split(": ", 1)[-1]))
            continue
        for doc in file_docs:
            if doc.id in docs:
                problems.append(Problem(str(path), f"article id {doc.id!r} is also in "
                                                   f"{docs[doc.id].meta['path']}"))
                continue
            tid = doc.meta.get("task_id")
            if tid is not None and tid in task_ids:
                problems.append(Problem(str(path), f"task id {tid} duplicates one in {task_ids[tid]}"))
            task_ids[tid] = str(path)
            doc.meta["path"] = str(path)
            docs[doc.id] = doc
    return docs


def load_corpus(
    annotations: str | Path,
    splits: str | Path,
    schema: Schema,
    seeds: str | Path | None = None,
) -> Corpus:
    """Read and check the whole corpus; ``Corpus.problems`` lists everything that is wrong."""
    problems: list[Problem] = []
    docs = load_annotation_dir(annotations, problems)
    split_ids = read_splits(splits)
    unknown = [name for name in split_ids if name not in SPLIT_NAMES]
    if unknown:
        problems.append(Problem(str(splits), f"unknown split name(s) {unknown}; use {SPLIT_NAMES}"))

    assigned: dict[str, str] = {}
    result: dict[str, list[Document]] = {}
    for name, ids in split_ids.items():
        result[name] = []
        for article_id in ids:
            if article_id in assigned:
                problems.append(Problem(str(splits), f"article {article_id!r} is in both "
                                                     f"{assigned[article_id]} and {name}"))
                continue
            assigned[article_id] = name
            if article_id not in docs:
                problems.append(Problem(str(splits), f"{name}: article {article_id!r} has no annotation "
                                                     f"file in {annotations}"))
                continue
            result[name].append(docs[article_id])
    for article_id, doc in docs.items():
        if article_id not in assigned:
            problems.append(Problem(doc.meta["path"], f"article {article_id!r} is in no split"))

    by_text: dict[str, str] = {}
    for article_id, doc in docs.items():
        where = f"{doc.meta['path']} ({article_id})"
        problems.extend(check_document(doc, schema, where))
        normalized = " ".join(doc.text.split())
        if normalized in by_text:
            problems.append(Problem(where, f"same text as article {by_text[normalized]!r}"))
        by_text[normalized] = article_id
        if seeds is not None:
            seed = Path(seeds) / f"{article_id}.txt"
            if not seed.exists():
                problems.append(Problem(where, f"no article text {seed}"))
            elif seed.read_text(encoding="utf-8") != doc.text:
                problems.append(Problem(where, f"data.text differs from {seed}"))
    return Corpus(result, problems)


def label_counts(docs: list[Document]) -> tuple[Counter, Counter]:
    """(entity label counts, relation label counts) over documents."""
    entities = Counter(e.label for d in docs for e in d.entities)
    relations = Counter(r.label for d in docs for r in d.relations)
    return entities, relations
