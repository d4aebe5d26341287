"""What the two classifiers' batch paths share (:mod:`toll.models.networks.tagging`,
:mod:`toll.models.networks.relation_classifier`): fixed-size batches of length-sorted jobs, and
probabilities from the network's logits.

>>> list(batches(["a", "b", "c", "d", "e"], 2))
[['a', 'b'], ['c', 'd'], ['e']]
>>> softmax(np.array([[0.0, 0.0], [0.0, np.log(3.0)]])).round(2).tolist()
[[0.5, 0.5], [0.25, 0.75]]
"""

from __future__ import annotations

from typing import Iterator

import numpy as np


def softmax(logits: np.ndarray) -> np.ndarray:
    """Probabilities over the last axis (shifted by the maximum, so large logits do not overflow)."""
    z = logits - logits.max(axis=-1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=-1, keepdims=True)


def batches(items: list, size: int) -> Iterator[list]:
    """Consecutive slices of ``items``, ``size`` long (the last one shorter)."""
    for i in range(0, len(items), size):
        yield items[i : i + size]
