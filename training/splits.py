"""Split the corpus by article into train/dev/test, stratified so every label is in every split.

Articles already in the split file keep their split; new ones are assigned by a seeded search that
keeps each label's share of spans in each split near the split's share of articles.
"""

from __future__ import annotations

import json
import random
from collections import Counter

from models.document import Document

TARGET = {"train": 0.70, "dev": 0.15, "test": 0.15}


def _profile(doc: Document) -> Counter:
    c = Counter(e.label for e in doc.entities)
    c.update(f"rel:{r.label}" for r in doc.relations)
    c["articles"] = 1
    if not any(e.label in {"KILLED", "INJURED", "CASUALTIES"} for e in doc.entities):
        c["no_casualty_articles"] = 1
    return c


def assign_splits(
    docs: list[Document], existing: dict[str, list[str]] | None = None, seed: int = 0,
    forced: dict[str, str] | None = None, tries: int = 2000,
) -> dict[str, list[str]]:
    """Return ``{split: [article ids]}``; ``forced`` pins articles (the seed article goes to test)."""
    existing = existing or {}
    fixed = {aid: name for name, ids in existing.items() for aid in ids}
    fixed.update(forced or {})
    free = sorted(d.id for d in docs if d.id not in fixed)
    profiles = {d.id: _profile(d) for d in docs}
    total = sum(profiles.values(), Counter())
    keys = [k for k in total if total[k] > 0]
    rng = random.Random(seed)
    best, best_score = None, float("inf")
    n = len(docs)
    for _ in range(tries):
        rng.shuffle(free)
        assignment = dict(fixed)
        counts = Counter(assignment.values())
        quota = {name: round(share * n) for name, share in TARGET.items()}
        quota["train"] = n - quota["dev"] - quota["test"]
        queue = list(free)
        for name in ("test", "dev", "train"):
            while counts[name] < quota[name] and queue:
                assignment[queue.pop()] = name
                counts[name] += 1
        for aid in queue:
            assignment[aid] = "train"
        score = 0.0
        missing = 0
        for name, share in TARGET.items():
            split_total = sum((profiles[a] for a, s in assignment.items() if s == name), Counter())
            for k in keys:
                if split_total[k] == 0:
                    missing += 1
                score += (split_total[k] / total[k] - share) ** 2
        score += 100 * missing
        if score < best_score:
            best, best_score = assignment, score
    result = {name: sorted(a for a, s in best.items() if s == name) for name in TARGET}
    return result


def dumps_splits(splits: dict[str, list[str]]) -> str:
    return json.dumps(splits, indent=1) + "\n"
