"""Checks on annotated documents against a schema; each finding names the document and span.

>>> from toll.models.text.document import Document, Entity, Relation
>>> from toll.models.text.schema import Schema
>>> doc = Document("d1", "Police said two died.", (Entity("s1", 0, 6, "SOURCE"),
...     Entity("c1", 12, 20, "KILLED")), (Relation("c1", "s1", "source"), Relation("s1", "c1", "source")))
>>> [p.message for p in check_document(doc, Schema.load())]
["relation s1 -source-> c1: 'source' does not allow SOURCE -> KILLED"]
"""

from __future__ import annotations

from dataclasses import dataclass

from toll.models.text.document import Document
from toll.models.text.schema import Schema


@dataclass(frozen=True)
class Problem:
    """One validation finding: where (file, task, region) and what is wrong."""

    where: str
    message: str

    def __str__(self) -> str:
        return f"{self.where}: {self.message}"


def check_document(doc: Document, schema: Schema, origin: str | None = None) -> list[Problem]:
    """Span and relation problems in one document (offsets were checked when it was read)."""
    where = origin or doc.id
    problems: list[Problem] = []
    seen: dict[str, object] = {}
    for e in doc.entities:
        span = f"span {e.id} [{e.start}, {e.end}) {doc.text[e.start:e.end]!r}"
        if e.id in seen:
            problems.append(Problem(where, f"{span}: duplicate region id {e.id!r}"))
        seen[e.id] = e
        if not (0 <= e.start < e.end <= len(doc.text)):
            problems.append(Problem(where, f"{span}: offsets outside the text (length {len(doc.text)})"))
            continue
        if e.label not in schema.entities:
            problems.append(Problem(where, f"{span}: unknown label {e.label!r}"))
        text = doc.span_text(e)
        if text != text.strip():
            problems.append(Problem(where, f"{span}: span starts or ends with whitespace"))
    ordered = doc.sorted_entities()
    for a, b in zip(ordered, ordered[1:]):
        if a.overlaps(b):
            problems.append(
                Problem(where, f"spans {a.id} {a.label} [{a.start}, {a.end}) and {b.id} {b.label} "
                               f"[{b.start}, {b.end}) overlap; the schema is flat")
            )
    entities = doc.entity_map()
    relation_keys = set()
    for r in doc.relations:
        rel = f"relation {r.head} -{r.label}-> {r.tail}"
        if r.label not in schema.relations:
            problems.append(Problem(where, f"{rel}: unknown relation type {r.label!r}"))
            continue
        missing = [x for x in (r.head, r.tail) if x not in entities]
        if missing:
            problems.append(Problem(where, f"{rel}: refers to missing region(s) {', '.join(missing)}"))
            continue
        head, tail = entities[r.head], entities[r.tail]
        if not schema.allows(r.label, head.label, tail.label):
            problems.append(
                Problem(where, f"{rel}: {r.label!r} does not allow {head.label} -> {tail.label}")
            )
        key = (r.head, r.tail, r.label)
        if key in relation_keys:
            problems.append(Problem(where, f"{rel}: duplicate relation"))
        relation_keys.add(key)
    return problems
