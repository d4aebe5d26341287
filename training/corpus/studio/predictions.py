"""Model output -> a Label Studio prediction; the model version that labels it.

Push and the ML backend both use :func:`studio_prediction`, so a task looks the same whichever
way its pre-annotation arrived. Every region keeps its score; the task score is the lowest one,
so sorting tasks by prediction score in Label Studio puts the least certain first.

>>> from toll.models.text.document import Document, Entity, Relation
>>> doc = Document("brief-1", "Gunmen killed two guards.",
...                (Entity("T1", 0, 6, "ACTOR", 0.93), Entity("T2", 14, 24, "KILLED", 0.88)),
...                (Relation("T2", "T1", "perpetrator", 0.61),))
>>> pred = studio_prediction(doc, "toll-3f2a9c1b04e7")
>>> pred["score"], pred["model_version"]
(0.61, 'toll-3f2a9c1b04e7')
>>> pred["result"][1]["value"], pred["result"][1]["score"]
({'start': 14, 'end': 24, 'text': 'two guards', 'labels': ['KILLED']}, 0.88)
>>> pred["result"][2]
{'from_id': 'T2', 'to_id': 'T1', 'type': 'relation', 'direction': 'right', 'labels': ['perpetrator'], 'score': 0.61}
>>> studio_prediction(Document("empty", "Talks resumed."), "m@0")["score"] is None
True
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any, Iterator

from toll.models.common.yaml_config import read_yaml
from toll.models.text.document import Document
from toll.models.text.studio_format import document_to_regions

# What a model predicts with: its weights, its labels and schema, its tokenizers' and networks'
# configs, the training config (windows, relation distance) and the tuned score floors. Not the
# folder's name, the model card or the metrics, which change without changing a prediction.
VERSION_FILES = ("labels.json", "schema.yaml", "config.yaml", "thresholds.json", "calibration.json",
                 "tagger/config.json", "tagger/tokenizer.json", "tagger/tokenizer_config.json",
                 "tagger/model.safetensors",
                 "relation/config.json", "relation/relation_head.json", "relation/tokenizer.json",
                 "relation/tokenizer_config.json", "relation/model.safetensors")
# config.yaml records the folder the model was trained into; that is not part of the model
FOLDER_KEYS = ("output_dir",)


def model_version(directory: str | Path) -> str:
    """``toll-<12 hex digits>``: a SHA-256 of the model's :data:`VERSION_FILES`, names and contents.

    The version follows the weights, not the folder: a copied or moved model keeps its version (so
    pushing from either adds no second prediction), a retrained one gets a new version.

    >>> import tempfile, pathlib, shutil
    >>> a = pathlib.Path(tempfile.mkdtemp()) / "model"
    >>> (a / "tagger").mkdir(parents=True)
    >>> _ = (a / "tagger" / "model.safetensors").write_bytes(b"weights")
    >>> b = shutil.copytree(a, a.parent / "copy")
    >>> model_version(a) == model_version(b), model_version(a)
    (True, 'toll-683420ba6206')
    >>> _ = (b / "tagger" / "model.safetensors").write_bytes(b"retrained")
    >>> model_version(a) == model_version(b)
    False
    """
    directory = Path(directory)
    digest = hashlib.sha256()
    for name in VERSION_FILES:
        path = directory / name
        if not path.is_file():
            continue
        blocks = [_training_config_bytes(path)] if name == "config.yaml" else _file_blocks(path)
        digest.update(f"{name}\0".encode())
        for block in blocks:
            digest.update(block)
        digest.update(b"\0")
    return f"toll-{digest.hexdigest()[:12]}"


def _file_blocks(path: Path) -> Iterator[bytes]:
    with path.open("rb") as handle:
        yield from iter(lambda: handle.read(1 << 20), b"")


def _training_config_bytes(path: Path) -> bytes:
    """The training config without the folder it names, in a canonical form."""
    config = read_yaml(path)
    if isinstance(config, dict):
        config = {k: v for k, v in config.items() if k not in FOLDER_KEYS}
    return json.dumps(config, sort_keys=True, default=str).encode()


def task_score(regions: list[dict[str, Any]]) -> float | None:
    """The lowest region score, or None when nothing was predicted."""
    scores = [r["score"] for r in regions if r.get("score") is not None]
    return min(scores) if scores else None


def studio_prediction(doc: Document, version: str) -> dict[str, Any]:
    """A predicted document as one Label Studio prediction: regions with scores, relations, task score."""
    regions = document_to_regions(doc)
    return {"model_version": version, "score": task_score(regions), "result": regions}
