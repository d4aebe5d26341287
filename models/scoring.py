"""Strict scoring shared by training (dev selection) and evaluation.

Entities are scored with seqeval in strict IOB2 mode (an entity counts only if its type and both
boundaries match) or as exact character spans; relations by micro P/R/F1 over non-``none``
classes, or between documents: a relation is correct when its label and both end spans (bounds
and label) match a gold relation.

>>> gold = [["B-KILLED", "I-KILLED", "O", "B-ACTOR"]]
>>> pred = [["B-KILLED", "I-KILLED", "O", "I-ACTOR"]]
>>> s = strict_entity_scores(gold, pred)
>>> round(s["micro"]["f1"], 3), s["per_label"]["ACTOR"]["f1"]
(0.667, 0.0)
"""

from __future__ import annotations

from collections import defaultdict
from typing import Sequence

import numpy as np

from toll.models.text.document import Document


def strict_entity_scores(gold: Sequence[Sequence[str]], pred: Sequence[Sequence[str]]) -> dict:
    """``{"micro": {p, r, f1, support}, "macro": {...}, "per_label": {label: {...}}}``."""
    from seqeval.metrics import classification_report
    from seqeval.scheme import IOB2

    report = classification_report(
        gold, pred, mode="strict", scheme=IOB2, output_dict=True, zero_division=0
    )
    def clean(d: dict) -> dict:
        return {"precision": float(d["precision"]), "recall": float(d["recall"]),
                "f1": float(d["f1-score"]), "support": int(d["support"])}
    per_label = {k: clean(v) for k, v in report.items() if not k.endswith(" avg")}
    micro = clean(report["micro avg"]) if "micro avg" in report else clean(
        {"precision": 0, "recall": 0, "f1-score": 0, "support": 0})
    macro = clean(report["macro avg"]) if "macro avg" in report else dict(micro)
    return {"micro": micro, "macro": macro, "per_label": per_label}


def prf(tp: int, fp: int, fn: int) -> dict:
    """Precision, recall and F1 from counts (0 where undefined).

    >>> prf(3, 1, 2)
    {'precision': 0.75, 'recall': 0.6, 'f1': 0.6667, 'tp': 3, 'fp': 1, 'fn': 2}
    """
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {"precision": round(p, 4), "recall": round(r, 4), "f1": round(f, 4), "tp": tp, "fp": fp, "fn": fn}


def relation_class_scores(gold: np.ndarray, pred: np.ndarray, classes: Sequence[str]) -> dict:
    """Micro P/R/F1 over non-``none`` classes (index 0 is ``none``) for aligned candidate arrays."""
    valid = gold != -100
    gold, pred = gold[valid], pred[valid]
    tp = int(((pred == gold) & (gold != 0)).sum())
    fp = int(((pred != 0) & (pred != gold)).sum())
    fn = int(((gold != 0) & (pred != gold)).sum())
    scores = {"micro": prf(tp, fp, fn), "per_label": {}}
    for c, name in enumerate(classes):
        if c == 0:
            continue
        scores["per_label"][name] = prf(
            int(((pred == c) & (gold == c)).sum()), int(((pred == c) & (gold != c)).sum()),
            int(((gold == c) & (pred != c)).sum()),
        )
    return scores


def exact_counts(gold: Document, pred: Document, labels: set[str] | None = None) -> tuple[int, int, int]:
    """(tp, fp, fn) of exact (bounds and label) span matches in one document."""
    g = {(e.start, e.end, e.label) for e in gold.entities if labels is None or e.label in labels}
    p = {(e.start, e.end, e.label) for e in pred.entities if labels is None or e.label in labels}
    return len(g & p), len(p - g), len(g - p)


def _keyed_relations(doc: Document) -> set[tuple]:
    ents = doc.entity_map()
    out = set()
    for r in doc.relations:
        if r.head in ents and r.tail in ents:
            h, t = ents[r.head], ents[r.tail]
            out.add((r.label, h.start, h.end, h.label, t.start, t.end, t.label))
    return out


def relation_counts(gold: Document, pred: Document) -> dict[str, tuple[int, int, int]]:
    """Per relation label (tp, fp, fn) in one document.

    >>> from toll.models.text.document import Document, Entity, Relation
    >>> ents = (Entity("c", 14, 24, "KILLED"), Entity("a", 0, 6, "ACTOR"))
    >>> gold = Document("d", "Gunmen killed two guards.", ents, (Relation("c", "a", "perpetrator"),))
    >>> relation_counts(gold, gold)
    {'perpetrator': (1, 0, 0)}
    """
    g, p = _keyed_relations(gold), _keyed_relations(pred)
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    for key in g & p:
        counts[key[0]][0] += 1
    for key in p - g:
        counts[key[0]][1] += 1
    for key in g - p:
        counts[key[0]][2] += 1
    return {k: tuple(v) for k, v in counts.items()}


def relation_total(gold: Document, pred: Document) -> tuple[int, int, int]:
    """(tp, fp, fn) of :func:`relation_counts` summed over the relation labels."""
    per_label = relation_counts(gold, pred).values()
    return tuple(sum(counts[i] for counts in per_label) for i in range(3))
