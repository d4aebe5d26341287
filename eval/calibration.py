"""Calibration of entity scores: reliability bins and expected calibration error.

>>> bins, ece = reliability_bins([0.95, 0.9, 0.2], [True, True, False], n_bins=5)
>>> ece, [b["count"] for b in bins]
(0.1167, [1, 0, 0, 0, 2])
"""

from __future__ import annotations

import numpy as np

from toll.models.text.document import Document


def entity_score_outcomes(gold: list[Document], pred: list[Document]) -> tuple[list[float], list[bool]]:
    scores, correct = [], []
    for g, p in zip(gold, pred):
        gold_spans = {(e.start, e.end, e.label) for e in g.entities}
        for e in p.entities:
            scores.append(e.score if e.score is not None else 1.0)
            correct.append((e.start, e.end, e.label) in gold_spans)
    return scores, correct


def reliability_bins(scores: list[float], correct: list[bool], n_bins: int = 10) -> tuple[list[dict], float]:
    s = np.asarray(scores, dtype=float)
    c = np.asarray(correct, dtype=float)
    edges = np.linspace(0, 1, n_bins + 1)
    bins, ece = [], 0.0
    for i in range(n_bins):
        inside = (s > edges[i]) & (s <= edges[i + 1]) if i else (s >= 0) & (s <= edges[1])
        n = int(inside.sum())
        mean_score = float(s[inside].mean()) if n else float((edges[i] + edges[i + 1]) / 2)
        accuracy = float(c[inside].mean()) if n else 0.0
        bins.append({"low": round(float(edges[i]), 2), "high": round(float(edges[i + 1]), 2), "count": n,
                     "mean_score": round(mean_score, 4), "accuracy": round(accuracy, 4)})
        if n:
            ece += n / len(s) * abs(mean_score - accuracy)
    return bins, round(ece, 4)
