"""Relation scores: a relation is correct when its label and both end spans (bounds and label)
match a gold relation. On gold entities this scores the relation classifier alone; on predicted
entities it scores the whole system (end to end).

>>> from models.document import Document, Entity, Relation
>>> ents = (Entity("c", 14, 24, "KILLED"), Entity("a", 0, 6, "ACTOR"))
>>> gold = Document("d", "Gunmen killed two guards.", ents, (Relation("c", "a", "perpetrator"),))
>>> relation_counts(gold, gold)
{'perpetrator': (1, 0, 0)}
"""

from __future__ import annotations

from collections import defaultdict

from models.document import Document
from models.scoring import prf


def _keyed(doc: Document) -> set[tuple]:
    ents = doc.entity_map()
    out = set()
    for r in doc.relations:
        if r.head in ents and r.tail in ents:
            h, t = ents[r.head], ents[r.tail]
            out.add((r.label, h.start, h.end, h.label, t.start, t.end, t.label))
    return out


def relation_counts(gold: Document, pred: Document) -> dict[str, tuple[int, int, int]]:
    """Per relation label (tp, fp, fn) in one document."""
    g, p = _keyed(gold), _keyed(pred)
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    for key in g & p:
        counts[key[0]][0] += 1
    for key in p - g:
        counts[key[0]][1] += 1
    for key in g - p:
        counts[key[0]][2] += 1
    return {k: tuple(v) for k, v in counts.items()}


def relation_scores(gold: list[Document], pred: list[Document], labels: list[str]) -> dict:
    totals = {label: [0, 0, 0] for label in labels}
    for g, p in zip(gold, pred):
        for label, (tp, fp, fn) in relation_counts(g, p).items():
            t = totals.setdefault(label, [0, 0, 0])
            t[0], t[1], t[2] = t[0] + tp, t[1] + fp, t[2] + fn
    micro = prf(*[sum(t[i] for t in totals.values()) for i in range(3)])
    return {"micro": micro, "per_label": {k: prf(*v) for k, v in totals.items()}}


def reachable_share(gold: list[Document], pred: list[Document]) -> dict:
    """Share of gold relations whose two ends were both predicted exactly (bounds and label):
    the ceiling for end-to-end relation recall."""
    total = reachable = 0
    for g, p in zip(gold, pred):
        spans = {(e.start, e.end, e.label) for e in p.entities}
        ents = g.entity_map()
        for r in g.relations:
            total += 1
            h, t = ents[r.head], ents[r.tail]
            reachable += (h.start, h.end, h.label) in spans and (t.start, t.end, t.label) in spans
    return {"gold_relations": total, "reachable": reachable,
            "share": round(reachable / total, 4) if total else 0.0}
