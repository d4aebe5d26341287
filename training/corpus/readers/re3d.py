"""re3d, in its original JSON and in ConfliBERT's CoNLL split, as Documents with re3d's own labels.

**Original** (download: https://github.com/dstl/re3d, commit b061ff0): one folder per source
("BBC Online", "CENTCOM", ...), each with ``documents.json``, ``entities.json`` and
``relations.json`` in ``mongoexport`` JSON lines. Entities carry ``begin``/``end`` character
offsets into the document ``text``, a ``type`` ("Organisation", "Location", ...) and a
``confidence``; the same span often appears twice with different types, the wrong one at
confidence 0 ("Syria": Location 0, Organisation 1). :func:`read_re3d` keeps entities with
``confidence >= min_confidence`` (0.5, one type per span) and relations ("FightingAgainst",
"CoLocated", ...) whose confidence passes and whose two ends are kept entities.

**ConfliBERT split** (download: https://github.com/eventdata/ConfliBERT, ``data/re3d``): CoNLL,
``token<TAB>BIO tag`` per line, a blank line between sentences. :func:`read_conflibert_re3d`
gives one Document per sentence, tokens joined with single spaces.

>>> docs = list(read_re3d(dataset_root("re3d")))                  # doctest: +SKIP
>>> len(docs), sum(len(d.entities) for d in docs), sum(len(d.relations) for d in docs)  # doctest: +SKIP
(98, 3500, 1267)
>>> docs = conll_documents(["Carter\\tB-Person", "thanked\\tO", "the\\tB-Organisation",
...     "United\\tI-Organisation", "States\\tI-Organisation"], "toy.txt", "toy")
>>> [(e.label, docs[0].span_text(e)) for e in docs[0].entities]
[('Person', 'Carter'), ('Organisation', 'the United States')]
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any, Iterable, Iterator

from toll.models.text.document import Document, Entity, Relation
from toll.models.common.errors import CorpusError
from toll.training.corpus.readers.locate import dataset_root  # noqa: F401  (used in the docstring)
from toll.training.corpus.readers.mapping import default_mapping

SPLITS = ("train", "dev", "test")


def _json_lines(path: Path) -> list[dict[str, Any]]:
    try:
        lines = path.read_text(encoding="utf-8-sig").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise CorpusError(f"{path}: cannot read: {exc}") from None
    records = []
    for lineno, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            raise CorpusError(f"{path}:{lineno}: not valid JSON ({exc.msg})") from None
        if not isinstance(record, dict) or "documentId" not in record and "text" not in record:
            raise CorpusError(f"{path}:{lineno}: expected a re3d record with documentId or text")
        records.append(record)
    return records


def _entity(record: dict[str, Any], text: str, path: Path) -> Entity:
    try:
        entity = Entity(str(record["_id"]), int(record["begin"]), int(record["end"]), str(record["type"]))
    except (KeyError, TypeError, ValueError) as exc:
        raise CorpusError(f"{path}: entity {record.get('_id')!r}: missing or bad field {exc}") from None
    if not 0 <= entity.start < entity.end <= len(text):
        raise CorpusError(f"{path}: entity {entity.id}: offsets outside the document text")
    return entity


def _relation(record: dict[str, Any], at: dict[tuple[int, int], Entity], path: Path) -> Relation | None:
    try:
        head = at.get((record["sourceBegin"], record["sourceEnd"]))
        tail = at.get((record["targetBegin"], record["targetEnd"]))
        label = str(record["type"])
    except KeyError as exc:
        raise CorpusError(f"{path}: relation {record.get('_id')!r}: missing field {exc}") from None
    return Relation(head.id, tail.id, label) if head and tail else None


def _subset_documents(folder: Path, min_confidence: float, annotated: list[str]) -> Iterator[Document]:
    entities_path, relations_path = folder / "entities.json", folder / "relations.json"
    entities_by_doc: dict[str, list[dict]] = {}
    for record in _json_lines(entities_path):
        entities_by_doc.setdefault(record["documentId"], []).append(record)
    relations_by_doc: dict[str, list[dict]] = {}
    for record in _json_lines(relations_path):
        relations_by_doc.setdefault(record["documentId"], []).append(record)
    for record in _json_lines(folder / "documents.json"):
        if "_id" not in record or not isinstance(record.get("text"), str):
            raise CorpusError(f"{folder / 'documents.json'}: a document without _id or text")
        doc_id, text = str(record["_id"]), record["text"]
        dropped: Counter[str] = Counter()
        entities = []
        for e in entities_by_doc.get(doc_id, []):
            if e.get("confidence", 1) >= min_confidence:
                entities.append(_entity(e, text, entities_path))
            else:
                dropped["entity_low_confidence"] += 1
        at = {(e.start, e.end): e for e in entities}
        if len(at) < len(entities):
            raise CorpusError(f"{entities_path}: document {doc_id}: two kept entities share a span")
        relations = []
        for r in relations_by_doc.get(doc_id, []):
            rel = _relation(r, at, relations_path) if r.get("confidence", 1) >= min_confidence else None
            if rel is None:
                dropped["relation_low_confidence" if r.get("confidence", 1) < min_confidence
                        else "relation_end_not_kept"] += 1
            else:
                relations.append(rel)
        meta = {"corpus": "re3d", "subset": folder.name, "title": record.get("title"),
                "url": record.get("sourceUrl"), "annotated_labels": annotated,
                "dropped": dict(dropped)}
        yield Document(doc_id, text, tuple(entities), tuple(relations), meta)


def read_re3d(root: str | Path, min_confidence: float = 0.5) -> Iterator[Document]:
    """All re3d documents, subset folders in name order, with re3d's labels."""
    root = Path(root)
    folders = sorted(p for p in root.iterdir() if (p / "documents.json").is_file()) if root.is_dir() else []
    if not folders:
        raise CorpusError(f"{root}: no re3d subset folders with documents.json")
    annotated = list(default_mapping("re3d").annotated_labels)
    for folder in folders:
        yield from _subset_documents(folder, min_confidence, annotated)


def bio_spans(tags: list[str], where: str) -> list[tuple[int, int, str]]:
    """Token spans ``(first, last + 1, type)`` from IOB2 tags; an ``I-`` continuing nothing opens one.

    >>> bio_spans(["B-Person", "O", "I-Location", "I-Location", "B-Location"], "toy")
    [(0, 1, 'Person'), (2, 4, 'Location'), (4, 5, 'Location')]
    """
    spans: list[tuple[int, int, str]] = []
    current: list[Any] | None = None
    for i, tag in enumerate(tags + ["O"]):
        prefix, _, label = tag.partition("-")
        if tag != "O" and (prefix not in ("B", "I") or not label):
            raise CorpusError(f"{where}: token {i}: bad tag {tag!r}")
        continues = prefix == "I" and current is not None and current[2] == label
        if current is not None and not continues:
            spans.append(tuple(current))  # type: ignore[arg-type]
            current = None
        if tag != "O" and not continues:
            current = [i, i + 1, label]
        elif continues:
            current[1] = i + 1  # type: ignore[index]
    return spans


def _sentence_document(rows: list[tuple[str, str]], doc_id: str, where: str, corpus: str) -> Document:
    tokens, tags = [r[0] for r in rows], [r[1] for r in rows]
    starts, offset = [], 0
    for token in tokens:
        starts.append(offset)
        offset += len(token) + 1
    entities = tuple(
        Entity(f"T{n}", starts[first], starts[last - 1] + len(tokens[last - 1]), label)
        for n, (first, last, label) in enumerate(bio_spans(tags, where), 1)
    )
    return Document(doc_id, " ".join(tokens), entities, (), {"corpus": corpus})


def conll_documents(
    lines: Iterable[str], where: str, id_prefix: str, corpus: str = "re3d"
) -> list[Document]:
    """``token<TAB>tag`` lines, blank between sentences -> one Document per sentence."""
    docs: list[Document] = []
    rows: list[tuple[str, str]] = []
    for lineno, line in enumerate(list(lines) + [""], 1):
        line = line.rstrip("\r\n")
        if not line.strip():
            if rows:
                doc_id = f"{id_prefix}-{len(docs):04d}"
                docs.append(_sentence_document(rows, doc_id, f"{where}:{lineno}", corpus))
                rows = []
            continue
        parts = line.split("\t")
        if len(parts) != 2 or not parts[0] or " " in parts[0]:
            raise CorpusError(f"{where}:{lineno}: expected 'token<TAB>tag', got {line!r}")
        rows.append((parts[0], parts[1]))
    return docs


def read_conflibert_re3d(root: str | Path, split: str) -> list[Document]:
    """ConfliBERT's re3d ``split`` (train/dev/test); ``root`` is the ``conflibert`` dataset folder."""
    if split not in SPLITS:
        raise ValueError(f"split must be one of {SPLITS}, not {split!r}")
    path = Path(root) / "data" / "re3d" / f"{split}.txt"
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise CorpusError(f"{path}: cannot read: {exc}") from None
    annotated = list(default_mapping("re3d").annotated_labels)
    docs = conll_documents(lines, str(path), f"re3d-conflibert-{split}", corpus="re3d-conflibert")
    for doc in docs:
        doc.meta.update(split=split, annotated_labels=annotated)
    return docs
