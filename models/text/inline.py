"""A readable inline markup for documents, for writing and reviewing annotations by hand.

Spans are written ``[[span text|LABEL]]`` or ``[[span text|LABEL#id]]`` in running text; relations
follow a ``=== relations ===`` line, one ``head_id relation tail_id`` per line; an optional YAML
front matter between ``---`` lines becomes ``meta["data"]``. It is only an adapter: the corpus on
disk is Label Studio JSON (:mod:`toll.models.text.studio_format`).

>>> doc = parse_inline('''[[Gunmen|ACTOR#a1]] killed [[two guards|KILLED#c1]] on [[Friday|DATE]].
... === relations ===
... c1 perpetrator a1''', doc_id="brief")
>>> doc.text
'Gunmen killed two guards on Friday.'
>>> [(doc.span_text(e), e.label, e.id) for e in doc.entities]
[('Gunmen', 'ACTOR', 'a1'), ('two guards', 'KILLED', 'c1'), ('Friday', 'DATE', 'e1')]
>>> print(to_inline(doc))
[[Gunmen|ACTOR#a1]] killed [[two guards|KILLED#c1]] on [[Friday|DATE#e1]].
=== relations ===
c1 perpetrator a1
"""

from __future__ import annotations

import re

import yaml

from toll.models.text.document import Document, Entity, Relation
from toll.models.common.errors import CorpusError

SPAN = re.compile(r"\[\[(?P<text>[^\[\]|]+?)\|(?P<label>[A-Z_]+)(?:#(?P<id>[A-Za-z0-9_-]+))?\]\]")
RELATIONS_HEADER = "=== relations ==="


def parse_inline(markup: str, doc_id: str = "inline") -> Document:
    """Parse inline markup into a Document; errors name the line of the markup."""
    meta: dict = {}
    body = markup
    if body.startswith("---\n"):
        head, sep, rest = body[4:].partition("\n---\n")
        if not sep:
            raise CorpusError(f"{doc_id}: front matter opened with '---' is never closed")
        meta_data = yaml.safe_load(head) or {}
        if not isinstance(meta_data, dict):
            raise CorpusError(f"{doc_id}: front matter must be a mapping")
        meta = {"data": meta_data}
        body = rest
    body, _, rel_block = body.partition(RELATIONS_HEADER)
    body = body.strip("\n").rstrip()

    pieces: list[str] = []
    entities: list[Entity] = []
    pos = 0
    out_len = 0
    explicit = set(m.group("id") for m in SPAN.finditer(body) if m.group("id"))
    auto = 0
    for m in SPAN.finditer(body):
        pieces.append(body[pos : m.start()])
        out_len += m.start() - pos
        span_text = m.group("text")
        line = body.count("\n", 0, m.start()) + 1
        if span_text != span_text.strip():
            raise CorpusError(f"{doc_id}: line {line}: span {span_text!r} has edge whitespace")
        entity_id = m.group("id")
        if entity_id is None:
            auto += 1
            while f"e{auto}" in explicit:
                auto += 1
            entity_id = f"e{auto}"
        if any(e.id == entity_id for e in entities):
            raise CorpusError(f"{doc_id}: line {line}: duplicate span id {entity_id!r}")
        entities.append(Entity(entity_id, out_len, out_len + len(span_text), m.group("label")))
        pieces.append(span_text)
        out_len += len(span_text)
        pos = m.end()
    pieces.append(body[pos:])
    text = "".join(pieces)
    leftover = re.search(r"\[\[|\]\]", text)
    if leftover:
        line = text.count("\n", 0, leftover.start()) + 1
        raise CorpusError(f"{doc_id}: line {line}: malformed span markup near "
                          f"{text[max(0, leftover.start() - 20):leftover.start() + 20]!r}")

    relations: list[Relation] = []
    for n, line_text in enumerate(rel_block.splitlines(), 1):
        line_text = line_text.split("//")[0].strip()
        if not line_text:
            continue
        parts = line_text.split()
        if len(parts) != 3:
            raise CorpusError(f"{doc_id}: relations line {n}: expected 'head relation tail', "
                              f"got {line_text!r}")
        head, label, tail = parts
        relations.append(Relation(head, tail, label))
    return Document(doc_id, text, tuple(entities), tuple(relations), meta)


def to_inline(doc: Document, with_front_matter: bool = False) -> str:
    """Render a Document as inline markup (overlapping spans cannot be shown and raise)."""
    out: list[str] = []
    pos = 0
    for e in doc.sorted_entities():
        if e.start < pos:
            raise CorpusError(f"{doc.id}: span {e.id} overlaps the previous span")
        out.append(doc.text[pos : e.start])
        out.append(f"[[{doc.span_text(e)}|{e.label}#{e.id}]]")
        pos = e.end
    out.append(doc.text[pos:])
    text = "".join(out)
    if doc.relations:
        text += "\n" + RELATIONS_HEADER + "\n"
        text += "\n".join(f"{r.head} {r.label} {r.tail}" for r in doc.relations)
    if with_front_matter and doc.meta.get("data"):
        front = yaml.safe_dump(doc.meta["data"], sort_keys=False, allow_unicode=True)
        text = f"---\n{front}---\n{text}"
    return text
