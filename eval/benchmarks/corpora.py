"""Scoring the public benchmarks over the corpora's own tokens (whitespace-separated words).

The splits themselves come from :func:`training.readers.public.load_split`.
"""

from __future__ import annotations

import re

from models.document import Document

_WORD = re.compile(r"\S+")


def word_tags(doc: Document, entities=None) -> list[str]:
    """IOB2 tags over the document's whitespace-separated words (the CoNLL tokens of re3d).

    A word takes the label of the first entity that overlaps it; ``B-`` where that entity starts.

    >>> from models.document import Entity
    >>> doc = Document("d", "Carter thanked the United States .",
    ...                (Entity("T1", 0, 6, "Person"), Entity("T2", 15, 32, "Organisation")))
    >>> word_tags(doc)
    ['B-Person', 'O', 'B-Organisation', 'I-Organisation', 'I-Organisation', 'O']
    """
    entities = sorted(doc.entities if entities is None else entities, key=lambda e: e.start)
    tags, seen = [], set()
    for m in _WORD.finditer(doc.text):
        hit = next((e for e in entities if e.start < m.end() and m.start() < e.end), None)
        if hit is None:
            tags.append("O")
        else:
            tags.append(("I-" if hit.id in seen else "B-") + hit.label)
            seen.add(hit.id)
    return tags
