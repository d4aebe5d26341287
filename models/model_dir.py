"""The self-contained model directory and the checks made when loading it.

::

    MODEL/
      schema.yaml        the schema the model was trained with
      labels.json        tag inventory, relation classes, marker tokens (label order is fixed here)
      config.yaml        the resolved training config
      metrics.json       dev (and, after toll-eval, test) scores
      thresholds.json    entity and relation score floors tuned on dev (optional; 0 without it)
      training_log.json  per-step losses and per-evaluation dev scores
      README.md          the model card
      tagger/            HF token classifier: config.json (id2label), model.safetensors, tokenizer
      relation/          marker relation classifier: config.json, model.safetensors, tokenizer

Only safetensors weights are read; a directory carrying pickled weights (``*.bin``, ``*.pt``,
``*.pkl``) is refused rather than skipped, because its provenance is unclear.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from models.errors import ModelDirError
from models.relation_inputs import marker_tokens, relation_label_names
from models.schema import Schema

REQUIRED = ("schema.yaml", "labels.json", "tagger/config.json", "tagger/model.safetensors",
            "relation/config.json", "relation/model.safetensors")
PICKLE_SUFFIXES = (".bin", ".pt", ".pth", ".pkl", ".pickle", ".ckpt")


@dataclass(frozen=True)
class ModelLabels:
    tags: list[str]
    relations: list[str]
    markers: list[str]

    @classmethod
    def from_schema(cls, schema: Schema) -> "ModelLabels":
        return cls(list(schema.iob2_labels()), relation_label_names(schema), marker_tokens(schema))

    def to_json(self) -> str:
        return json.dumps({"scheme": "IOB2", "tags": self.tags, "relations": self.relations,
                           "markers": self.markers}, indent=2) + "\n"


def check_model_dir(directory: str | Path) -> tuple[Schema, ModelLabels]:
    """Validate a model directory and return its schema and labels, or raise ModelDirError."""
    directory = Path(directory)
    if not directory.is_dir():
        raise ModelDirError(f"{directory}: model directory not found")
    pickles = sorted(str(p.relative_to(directory)) for p in directory.rglob("*")
                     if p.suffix in PICKLE_SUFFIXES)
    if pickles:
        raise ModelDirError(f"{directory}: refusing pickle weights {pickles}; toll loads only "
                            "safetensors (pickles can run arbitrary code)")
    missing = [name for name in REQUIRED if not (directory / name).exists()]
    if missing:
        raise ModelDirError(f"{directory}: incomplete model directory, missing {', '.join(missing)}")
    try:
        schema = Schema.load(directory / "schema.yaml")
    except Exception as exc:  # a ConfigError names the file already
        raise ModelDirError(str(exc)) from None
    try:
        raw = json.loads((directory / "labels.json").read_text())
        labels = ModelLabels(raw["tags"], raw["relations"], raw["markers"])
    except (json.JSONDecodeError, KeyError, TypeError) as exc:
        raise ModelDirError(f"{directory}/labels.json: unreadable ({exc})") from None
    if raw.get("scheme") != "IOB2":
        raise ModelDirError(f"{directory}/labels.json: unknown tagging scheme {raw.get('scheme')!r}")
    expected = ModelLabels.from_schema(schema)
    if labels != expected:
        raise ModelDirError(f"{directory}: labels.json disagrees with schema.yaml "
                            f"(tags {labels.tags} vs {expected.tags})")
    tagger_cfg = json.loads((directory / "tagger" / "config.json").read_text())
    id2label = [tagger_cfg.get("id2label", {}).get(str(i)) for i in range(len(labels.tags))]
    if id2label != labels.tags:
        raise ModelDirError(f"{directory}/tagger/config.json: id2label {id2label} disagrees with "
                            f"labels.json {labels.tags}")
    return schema, labels
