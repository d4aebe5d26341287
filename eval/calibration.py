"""Calibration of the reported scores, per head: each predicted entity span and each predicted
relation link, its score against whether it is exactly correct (span: bounds and label; link:
label and both end spans). Reliability bins hold equal numbers of predictions (10 by default,
:func:`toll.training.calibration.equal_mass_bins`, the bins the calibration was chosen by); the
expected calibration error (ECE) gets a 95% interval by resampling articles, as
:mod:`toll.eval.bootstrap` does for F1. ECE is never 0 on finite data: ``if_calibrated`` is about
what perfectly calibrated scores would show in the same bins (binomial noise alone,
:func:`noise_floor`), the floor to read it against.

>>> head = head_calibration([([0.9, 0.8], [True, True]), ([0.3], [False]), ([0.6, 0.7], [True, False])],
...                         n_bins=5, samples=200)
>>> head["ece"], head["predictions"], head["articles"], head["low"] <= head["high"]
(0.34, 5, 3, True)
"""

from __future__ import annotations

import numpy as np

from toll.models.text.document import Document
from toll.training.calibration import N_BINS, equal_mass_bins, flatten, link_outcomes, span_outcomes


def head_calibration(per_doc: list[tuple[list[float], list[bool]]], n_bins: int = N_BINS, samples: int = 1000,
                     seed: int = 0) -> dict:
    """ECE over equal-mass bins, its 2.5/97.5 percentiles over ``samples`` article resamples, and the bins."""
    scores, correct, doc = flatten(per_doc)
    bins, ece = equal_mass_bins(scores, correct, n_bins)
    out = {"ece": ece, "low": ece, "high": ece, "if_calibrated": noise_floor(bins), "predictions": len(scores),
           "articles": len(per_doc), "share_correct": round(float(correct.mean()), 4) if len(scores) else None,
           "bins": bins}
    if not len(scores):
        return out
    where = [np.flatnonzero(doc == i) for i in range(len(per_doc))]
    idx = np.random.default_rng(seed).integers(0, len(per_doc), size=(samples, len(per_doc)))
    eces = []
    for draw in idx:
        chosen = np.concatenate([where[i] for i in draw])
        eces.append(equal_mass_bins(scores[chosen], correct[chosen], n_bins)[1] if len(chosen) else 0.0)
    out["low"], out["high"] = round(float(np.percentile(eces, 2.5)), 4), round(float(np.percentile(eces, 97.5)), 4)
    return out


def noise_floor(bins: list[dict]) -> float:
    """The ECE that perfectly calibrated scores would show in these bins on average: in a bin of
    ``n`` predictions scored ``p``, the share correct is off by about ``sqrt(2/pi) * sqrt(p(1-p)/n)``
    (the mean absolute deviation of a binomial share, normal approximation).

    >>> noise_floor([{"count": 100, "mean_score": 0.5}, {"count": 100, "mean_score": 0.9}])
    0.0319
    """
    total = sum(b["count"] for b in bins)
    if not total:
        return 0.0
    floor = sum(b["count"] / total * np.sqrt(2 / np.pi * b["mean_score"] * (1 - b["mean_score"]) / b["count"])
                for b in bins)
    return round(float(floor), 4)


def calibration_metrics(gold: list[Document], pred: list[Document], samples: int = 1000,
                        n_bins: int = N_BINS) -> dict:
    """Both heads' calibration on the predictions as made (after the decision thresholds).
    ``ece`` and ``bins`` repeat the entity head's (the keys older code reads)."""
    entities = head_calibration(span_outcomes(gold, pred), n_bins, samples)
    relations = head_calibration(link_outcomes(gold, pred), n_bins, samples)
    return {"ece": entities["ece"], "bins": entities["bins"], "binning": f"{n_bins} equal-mass bins",
            "entities": entities, "relations": relations}
