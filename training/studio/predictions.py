"""Model output -> a Label Studio prediction; the model version that labels it.

Push and the ML backend both use :func:`studio_prediction`, so a task looks the same whichever
way its pre-annotation arrived. Every region keeps its score; the task score is the lowest one,
so sorting tasks by prediction score in Label Studio puts the least certain first.

>>> from models.document import Document, Entity, Relation
>>> doc = Document("brief-1", "Gunmen killed two guards.",
...                (Entity("T1", 0, 6, "ACTOR", 0.93), Entity("T2", 14, 24, "KILLED", 0.88)),
...                (Relation("T2", "T1", "perpetrator", 0.61),))
>>> pred = studio_prediction(doc, "default/model@3f2a9c1b")
>>> pred["score"], pred["model_version"]
(0.61, 'default/model@3f2a9c1b')
>>> pred["result"][1]["value"], pred["result"][1]["score"]
({'start': 14, 'end': 24, 'text': 'two guards', 'labels': ['KILLED']}, 0.88)
>>> pred["result"][2]
{'from_id': 'T2', 'to_id': 'T1', 'type': 'relation', 'direction': 'right', 'labels': ['perpetrator'], 'score': 0.61}
>>> studio_prediction(Document("empty", "Talks resumed."), "m@0")["score"] is None
True
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from models.document import Document
from models.studio_format import document_to_regions

# What identifies a trained model: its labels, its config and its weights.
VERSION_FILES = ("labels.json", "config.yaml", "tagger/model.safetensors", "relation/model.safetensors")


def model_version(directory: str | Path) -> str:
    """``<run>/<dir>@<8 hex digits of the content hash>``, e.g. ``default/model@3f2a9c1b``.

    The same directory gives the same version; retraining into it gives a new one, so Label
    Studio keeps predictions of different models apart.
    """
    directory = Path(directory).resolve()
    digest = hashlib.sha256()
    for name in VERSION_FILES:
        path = directory / name
        if path.exists():
            digest.update(name.encode())
            with path.open("rb") as handle:
                for block in iter(lambda: handle.read(1 << 20), b""):
                    digest.update(block)
    return f"{directory.parent.name}/{directory.name}@{digest.hexdigest()[:8]}"


def task_score(regions: list[dict[str, Any]]) -> float | None:
    """The lowest region score, or None when nothing was predicted."""
    scores = [r["score"] for r in regions if r.get("score") is not None]
    return min(scores) if scores else None


def studio_prediction(doc: Document, version: str) -> dict[str, Any]:
    """A predicted document as one Label Studio prediction: regions with scores, relations, task score."""
    regions = document_to_regions(doc)
    return {"model_version": version, "score": task_score(regions), "result": regions}
