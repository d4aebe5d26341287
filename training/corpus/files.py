"""The project corpus on disk: one Label Studio export per article plus a split file.

Layout (paths come from the config)::

    seeds/<article>.txt          the article text
    data/corpus/<article>.json   its annotation, Label Studio JSON export (one task)
    data/standoff/<article>.json the annotation of a text that may not be committed (MUC-4, BBC
                                 Online): offsets and the text's hash (:mod:`toll.models.text.standoff`); the
                                 text is joined from the dataset at run time
    data/splits.json             {"train": [...], "dev": [...], "test": [...], "test_written": [...]}

:func:`load_corpus` reads it all and collects every problem instead of stopping at the first, so
``toll-train --check`` can list them together.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from toll.models.text.document import Document
from toll.models.common.errors import CorpusError
from toll.models.text.schema import Schema
from toll.models.text.standoff import join_text
from toll.models.text.validation import Problem
from toll.models.text.studio_files import read_documents
from toll.models.text.validation import check_document

# test_written: the articles written for the project that were its test split before the real
# splits; kept out of training as a second, clearly named evaluation.
SPLIT_NAMES = ("train", "dev", "test", "test_written")
SPLIT_FILE_KEYS = ("version", "note", "checksums")
StandoffText = Callable[[dict[str, Any]], str]


@dataclass
class Corpus:
    splits: dict[str, list[Document]]
    problems: list[Problem] = field(default_factory=list)
    skipped: dict[str, str] = field(default_factory=dict)  # article id -> why it was not read

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
    except (RecursionError, ValueError, UnicodeDecodeError) as exc:
        raise CorpusError(f"{path}: not a readable split file ({type(exc).__name__})") from None
    lists = {k: v for k, v in raw.items() if k not in SPLIT_FILE_KEYS} if isinstance(raw, dict) else None
    if lists is None or not all(isinstance(v, list) and all(isinstance(x, str) for x in v) for v in lists.values()):
        raise CorpusError(f"{path}: expected {{split name: [article ids]}}")
    return lists


def read_standoff_file(
    path: Path, standoff_text: StandoffText, problems: list[Problem], skipped: dict[str, str],
) -> Document | None:
    """One standoff record joined with its text; None (and a problem, or a reason in ``skipped``
    when its dataset is not on this machine) when it cannot be read."""
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        problems.append(Problem(str(path), f"not valid JSON (line {exc.lineno}: {exc.msg})"))
        return None
    except (RecursionError, ValueError, UnicodeDecodeError) as exc:
        problems.append(Problem(str(path), f"not a readable standoff record ({type(exc).__name__})"))
        return None
    if not isinstance(record, dict):
        problems.append(Problem(str(path), f"a standoff record must be a JSON object, got {type(record).__name__}"))
        return None
    try:
        text = standoff_text(record)
    except CorpusError as exc:
        skipped[str(record.get("id", path.stem))] = str(exc)
        return None
    try:
        doc = join_text(record, text, str(path))
    except CorpusError as exc:
        problems.append(Problem(str(path), str(exc).split(": ", 1)[-1]))
        return None
    doc.meta["path"] = str(path)
    return doc


def load_standoff_dir(
    directory: str | Path, standoff_text: StandoffText, problems: list[Problem], skipped: dict[str, str],
) -> dict[str, Document]:
    """Every standoff record in ``directory`` joined with its text. A record whose dataset is not on
    this machine is skipped (``skipped[id]`` says why); a text whose hash differs is a problem."""
    docs = (read_standoff_file(path, standoff_text, problems, skipped) for path in sorted(Path(directory).glob("*.json")))
    return {doc.id: doc for doc in docs if doc is not None}


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
    standoff: str | Path | None = None,
    standoff_text: StandoffText | None = None,
) -> Corpus:
    """Read and check the whole corpus; ``Corpus.problems`` lists everything that is wrong.

    Standoff records (``standoff``, read with ``standoff_text``) join the corpus when their dataset
    is on this machine; otherwise they are left out of every split and listed in ``Corpus.skipped``.
    """
    problems: list[Problem] = []
    skipped: dict[str, str] = {}
    docs = load_annotation_dir(annotations, problems)
    if standoff is not None and Path(standoff).is_dir() and standoff_text is not None:
        for article_id, doc in load_standoff_dir(standoff, standoff_text, problems, skipped).items():
            if article_id in docs:
                problems.append(Problem(doc.meta["path"], f"article id {article_id!r} is also in {docs[article_id].meta['path']}"))
                continue
            docs[article_id] = doc
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
            if article_id in skipped:
                continue
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
        if seeds is not None and "standoff" not in doc.meta.get("data", {}):
            seed = Path(seeds) / f"{article_id}.txt"
            if not seed.exists():
                problems.append(Problem(where, f"no article text {seed}"))
            elif seed.read_text(encoding="utf-8") != doc.text:
                problems.append(Problem(where, f"data.text differs from {seed}"))
    return Corpus(result, problems, skipped)


def label_counts(docs: list[Document]) -> tuple[Counter, Counter]:
    """(entity label counts, relation label counts) over documents."""
    entities = Counter(e.label for d in docs for e in d.entities)
    relations = Counter(r.label for d in docs for r in d.relations)
    return entities, relations
