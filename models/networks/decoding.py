"""Constrained decoding: the most probable tag sequence that is valid IOB2.

Token classifiers score each word alone, so argmax can output ``O I-X`` or ``B-X I-Y``. Viterbi
over the log-probabilities with the IOB2 transition constraints returns the best valid sequence
(no training change, no CRF parameters).

>>> import numpy as np
>>> tags = ("O", "B-KILLED", "I-KILLED")
>>> probs = np.array([[0.9, 0.05, 0.05], [0.4, 0.1, 0.5], [0.2, 0.1, 0.7]])
>>> viterbi_tags(np.log(probs), tags)
[0, 0, 0]
>>> probs[1] = [0.3, 0.45, 0.25]
>>> viterbi_tags(np.log(probs), tags)
[0, 1, 2]
"""

from __future__ import annotations

from functools import lru_cache
from typing import Sequence

import numpy as np


@lru_cache(maxsize=8)
def _constraints(tags: tuple[str, ...]) -> tuple[np.ndarray, np.ndarray]:
    """(allowed start tags, allowed transitions) as additive 0 / -inf masks."""
    n = len(tags)
    start = np.zeros(n)
    trans = np.zeros((n, n))
    for j, tag in enumerate(tags):
        if tag.startswith("I-"):
            start[j] = -np.inf
            for i, prev in enumerate(tags):
                if prev[2:] != tag[2:] or prev == "O":
                    trans[i, j] = -np.inf
    return start, trans


def viterbi_tags(log_probs: np.ndarray, tags: Sequence[str]) -> list[int]:
    """Best valid IOB2 tag index per word, given ``[n_words, n_tags]`` log-probabilities."""
    n_words = log_probs.shape[0]
    if n_words == 0:
        return []
    start, trans = _constraints(tuple(tags))
    score = log_probs[0] + start
    back = np.zeros((n_words, len(tags)), dtype=np.int64)
    for w in range(1, n_words):
        cand = score[:, None] + trans
        back[w] = cand.argmax(axis=0)
        score = cand.max(axis=0) + log_probs[w]
    best = [int(score.argmax())]
    for w in range(n_words - 1, 0, -1):
        best.append(int(back[w, best[-1]]))
    return best[::-1]
