"""Which unannotated articles to annotate next: the tagger's uncertainty, spread over topics.

Criterion (``select``): each article scores the mean entropy of the tagger's tag distribution
over its most uncertain words (the top ``UNCERTAIN_SHARE`` of its words, at least one), so a long
article with a few hard phrases is not diluted by its easy words. Articles are then picked greedily
by that score minus ``diversity`` times their highest cosine similarity (bag of lower-cased content
words) to an article already picked, so one conflict does not fill the batch (maximal marginal
relevance, Carbonell & Goldstein 1998).

>>> import numpy as np
>>> sure = np.array([[0.98, 0.01, 0.01]] * 4)
>>> unsure = np.array([[0.34, 0.33, 0.33]] * 4)
>>> round(uncertainty(unsure), 3) > round(uncertainty(sure), 3)
True
>>> texts = ["Gunmen killed five in Kano.", "Gunmen killed six in Kano.", "A drone struck Idlib."]
>>> select(texts, [1.0, 0.95, 0.5], 2, diversity=1.0)
[0, 2]
>>> select(texts, [1.0, 0.95, 0.5], 2, diversity=0.0)
[0, 1]
"""

from __future__ import annotations

import re
from collections import Counter

import numpy as np

UNCERTAIN_SHARE = 0.2
WORD = re.compile(r"[a-z][a-z-]{2,}")
STOP = frozenset("the and was were for with that this from have has had are its his her their been said they "
                 "which who after into when also than more over".split())


def uncertainty(word_probs: np.ndarray) -> float:
    """Mean tag entropy (nats) of the most uncertain ``UNCERTAIN_SHARE`` of a text's words."""
    if len(word_probs) == 0:
        return 0.0
    p = np.clip(word_probs, 1e-9, 1.0)
    entropy = -(p * np.log(p)).sum(axis=1)
    k = max(1, int(round(UNCERTAIN_SHARE * len(entropy))))
    return float(np.sort(entropy)[-k:].mean())


def _bag(text: str) -> Counter:
    return Counter(w for w in WORD.findall(text.lower()) if w not in STOP)


def _cosine(a: Counter, b: Counter) -> float:
    dot = sum(v * b.get(k, 0) for k, v in a.items())
    norm = (sum(v * v for v in a.values()) * sum(v * v for v in b.values())) ** 0.5
    return dot / norm if norm else 0.0


def select(texts: list[str], scores: list[float], n: int, diversity: float = 0.5) -> list[int]:
    """Indices of ``n`` texts, greedily by score minus ``diversity`` x similarity to those picked."""
    bags = [_bag(t) for t in texts]
    top = max(scores, default=1.0) or 1.0
    picked: list[int] = []
    closest = [0.0] * len(texts)
    while len(picked) < min(n, len(texts)):
        best = max((i for i in range(len(texts)) if i not in picked),
                   key=lambda i: scores[i] / top - diversity * closest[i])
        picked.append(best)
        for i in range(len(texts)):
            closest[i] = max(closest[i], _cosine(bags[i], bags[best]))
    return picked


def rank(pipeline, texts: list[str], n: int, diversity: float = 0.5) -> list[tuple[int, float]]:
    """(index, uncertainty) of the ``n`` articles to annotate next, in the order picked."""
    scores = [uncertainty(p) for p in pipeline.word_probabilities(texts)]
    return [(i, scores[i]) for i in select(texts, scores, n, diversity)]
