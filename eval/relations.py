"""Relation scores: a relation is correct when its label and both end spans (bounds and label)
match a gold relation. On gold entities this scores the relation classifier alone; on predicted
entities it scores the whole system (end to end).

>>> from toll.models.text.document import Document, Entity, Relation
>>> ents = (Entity("c", 14, 24, "KILLED"), Entity("a", 0, 6, "ACTOR"))
>>> gold = Document("d", "Gunmen killed two guards.", ents, (Relation("c", "a", "perpetrator"),))
>>> relation_scores([gold], [gold], ["perpetrator"])["micro"]["f1"]
1.0
"""

from __future__ import annotations

from toll.models.text.document import Document
from toll.models.scoring import prf, relation_counts


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
