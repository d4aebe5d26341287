"""95% confidence intervals by resampling articles (the unit the data was sampled in).

>>> ci = bootstrap_f1([(1, 0, 0), (0, 1, 1), (2, 0, 1)], n=200, seed=0)
>>> ci["f1"], ci["low"] <= ci["f1"] <= ci["high"]
(0.6667, True)
"""

from __future__ import annotations

import numpy as np


def _f1(tp, fp, fn):
    denom = 2 * tp + fp + fn
    return np.where(denom > 0, 2 * tp / np.maximum(denom, 1), 0.0)


def bootstrap_f1(per_doc: list[tuple[int, int, int]], n: int = 1000, seed: int = 0) -> dict:
    """F1 of the summed counts and its 2.5/97.5 percentiles over ``n`` article resamples."""
    counts = np.asarray(per_doc, dtype=float).reshape(-1, 3)
    point = float(_f1(*counts.sum(axis=0)))
    if len(counts) == 0:
        return {"f1": 0.0, "low": 0.0, "high": 0.0, "articles": 0}
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, len(counts), size=(n, len(counts)))
    sums = counts[idx].sum(axis=1)
    samples = _f1(sums[:, 0], sums[:, 1], sums[:, 2])
    return {"f1": round(point, 4), "low": round(float(np.percentile(samples, 2.5)), 4),
            "high": round(float(np.percentile(samples, 97.5)), 4), "articles": len(counts)}
