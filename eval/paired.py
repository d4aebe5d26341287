"""Paired bootstrap of an F1 difference between two systems scored on the same documents.

Both systems' per-document (tp, fp, fn) counts are resampled with the same document indices, so the
interval reflects the difference itself, not each system's spread (Koehn 2004; Berg-Kirkpatrick et
al. 2012).

>>> a = [(2, 0, 0), (1, 1, 0), (3, 0, 1)]
>>> b = [(1, 1, 1), (0, 1, 1), (2, 1, 2)]
>>> d = paired_f1_difference(a, b, n=500, seed=0)
>>> d["difference"] > 0, d["low"] <= d["difference"] <= d["high"]
(True, True)
"""

from __future__ import annotations

import numpy as np

from toll.eval.bootstrap import _f1


def paired_f1_difference(first: list[tuple[int, int, int]], second: list[tuple[int, int, int]],
                         n: int = 1000, seed: int = 0) -> dict:
    """F1(first) - F1(second) on summed counts, its 95% interval, and the share of resamples where
    ``first`` does not beat ``second`` (a one-sided p-value)."""
    a = np.asarray(first, dtype=float).reshape(-1, 3)
    b = np.asarray(second, dtype=float).reshape(-1, 3)
    if len(a) != len(b):
        raise ValueError(f"paired bootstrap needs the same documents: {len(a)} against {len(b)}")
    point = float(_f1(*a.sum(axis=0)) - _f1(*b.sum(axis=0)))
    if len(a) == 0:
        return {"difference": 0.0, "low": 0.0, "high": 0.0, "p_not_better": 1.0, "documents": 0}
    idx = np.random.default_rng(seed).integers(0, len(a), size=(n, len(a)))
    sa, sb = a[idx].sum(axis=1), b[idx].sum(axis=1)
    diffs = _f1(sa[:, 0], sa[:, 1], sa[:, 2]) - _f1(sb[:, 0], sb[:, 1], sb[:, 2])
    return {"difference": round(point, 4), "low": round(float(np.percentile(diffs, 2.5)), 4),
            "high": round(float(np.percentile(diffs, 97.5)), 4),
            "p_not_better": round(float(np.mean(diffs <= 0)), 4), "documents": len(a)}
