"""Standoff annotations: a document's spans and relations without its text.

Texts that may not be committed (MUC-4, BBC Online) are annotated as standoff records; the text is
joined at run time from the dataset, and a text whose SHA-256 differs from the record's is refused
by name. A record::

    {"id": "muc4-dev-muc3-0001", "dataset": "muc4", "source_id": "DEV-MUC3-0001",
     "sha256": "...", "length": 1843, "data": {...},
     "entities": [{"id": "c1", "start": 412, "end": 429, "label": "KILLED"}, ...],
     "relations": [{"head": "c1", "tail": "a1", "label": "perpetrator"}, ...]}

>>> from toll.models.text.document import Entity, Relation
>>> doc = Document("d1", "Gunmen killed two guards.", (Entity("a", 0, 6, "ACTOR"), Entity("c", 14, 24, "KILLED")),
...                (Relation("c", "a", "perpetrator"),), {"data": {"title": "x"}})
>>> rec = standoff_record(doc, "muc4", "DEV-MUC3-0001")
>>> "Gunmen" in str(rec)
False
>>> joined = join_text(rec, "Gunmen killed two guards.", where="d1.json")
>>> joined.span_text(joined.entities[1])
'two guards'
>>> join_text(rec, "Gunmen killed two guards!", where="d1.json")
Traceback (most recent call last):
toll.models.common.errors.CorpusError: d1.json: the muc4 text of DEV-MUC3-0001 is not the one annotated (SHA-256 differs); the annotation needs that exact text
"""

from __future__ import annotations

import hashlib
from typing import Any

from toll.models.text.document import Document, Entity, Relation
from toll.models.common.errors import CorpusError


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def standoff_record(doc: Document, dataset: str, source_id: str) -> dict[str, Any]:
    """The record of ``doc`` with no text and no span text in it."""
    data = {k: v for k, v in doc.meta.get("data", {}).items() if k != "text"}
    return {
        "id": doc.id, "dataset": dataset, "source_id": source_id,
        "sha256": sha256(doc.text), "length": len(doc.text), "data": data,
        "entities": [{"id": e.id, "start": e.start, "end": e.end, "label": e.label} for e in doc.entities],
        "relations": [{"head": r.head, "tail": r.tail, "label": r.label} for r in doc.relations],
    }


def join_text(record: dict[str, Any], text: str, where: str) -> Document:
    """The document of a standoff record with its text; refuses a text with another hash."""
    try:
        if sha256(text) != record["sha256"]:
            raise CorpusError(f"{where}: the {record['dataset']} text of {record['source_id']} is not the one "
                              f"annotated (SHA-256 differs); the annotation needs that exact text")
        entities = tuple(Entity(str(e["id"]), int(e["start"]), int(e["end"]), str(e["label"]))
                         for e in record["entities"])
        relations = tuple(Relation(str(r["head"]), str(r["tail"]), str(r["label"])) for r in record["relations"])
        data = {**record.get("data", {}), "standoff": record["dataset"]}
        return Document(str(record["id"]), text, entities, relations, {"data": data})
    except (KeyError, TypeError, ValueError) as exc:
        raise CorpusError(f"{where}: not a standoff record ({type(exc).__name__}: {exc})") from None
