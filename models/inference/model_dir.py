"""The self-contained model directory and the checks made when loading it.

::

    MODEL/
      schema.yaml        the schema the model was trained with
      labels.json        tag inventory, relation classes, marker tokens (label order is fixed here)
      config.yaml        the resolved training config
      metrics.json       dev (and, after toll-eval, test) scores
      calibration.json   per head, the map from raw score to calibrated probability, fitted on dev
                         (optional: raw scores without it; toll.models.inference.calibration)
      thresholds.json    entity and relation score floors tuned on dev (optional; 0 without it)
      training_log.json  per-step losses and per-evaluation dev scores
      README.md          the model card
      manifest.json      size and SHA-256 of every file above that a prediction depends on
      tagger/            HF token classifier: config.json (id2label), model.safetensors, tokenizer
      relation/          marker relation classifier: config.json, model.safetensors, tokenizer
      onnx/              ONNX exports, made on first use, with their own manifest (toll.models.inference.onnx_export)

Only safetensors weights are read; a directory carrying pickled weights (``*.bin``, ``*.pt``,
``*.pkl``) is refused rather than skipped, because its provenance is unclear.

``manifest.json`` and the whole-file checks live in :mod:`toll.models.inference.integrity`; what
inference reads of ``config.yaml``, in :mod:`toll.models.inference.settings`.
"""

from __future__ import annotations

import contextlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from toll.models.common.errors import ModelDirError, TollError
from toll.models.inference.integrity import FIX, file_problem, loaded_files, verify_manifest
from toll.models.networks.relation_encoding import marker_tokens, relation_label_names
from toll.models.text.schema import Schema

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
    """Validate a model directory and return its schema and labels, or raise ModelDirError.

    In order: pickles, required files, schema and labels, the manifest (sizes, then hashes), then
    that every JSON file the loaders read parses and every safetensors file is whole (which also
    covers directories saved before manifests existed)."""
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
    schema, labels = _schema_and_labels(directory)
    verify_manifest(directory)
    problems = [p for p in map(file_problem, loaded_files(directory)) if p]
    if problems:
        raise ModelDirError(f"{'; '.join(problems)}; {FIX}")
    return schema, labels


def _schema_and_labels(directory: Path) -> tuple[Schema, ModelLabels]:
    try:
        schema = Schema.load(directory / "schema.yaml")
    except TollError as exc:  # a ConfigError names the file already
        raise ModelDirError(str(exc)) from None
    except Exception as exc:
        raise ModelDirError(f"{directory / 'schema.yaml'}: unreadable ({exc}); {FIX}") from None
    try:
        raw = json.loads((directory / "labels.json").read_text())
        labels = ModelLabels(raw["tags"], raw["relations"], raw["markers"])
    except (json.JSONDecodeError, UnicodeDecodeError, KeyError, TypeError) as exc:
        raise ModelDirError(f"{directory}/labels.json: unreadable ({exc}); {FIX}") from None
    if raw.get("scheme") != "IOB2":
        raise ModelDirError(f"{directory}/labels.json: unknown tagging scheme {raw.get('scheme')!r}")
    expected = ModelLabels.from_schema(schema)
    if labels != expected:
        raise ModelDirError(f"{directory}: labels.json disagrees with schema.yaml "
                            f"(tags {labels.tags} vs {expected.tags})")
    tagger_cfg = _json_file(directory / "tagger" / "config.json")
    id2label = [tagger_cfg.get("id2label", {}).get(str(i)) for i in range(len(labels.tags))]
    if id2label != labels.tags:
        raise ModelDirError(f"{directory}/tagger/config.json: id2label {id2label} disagrees with "
                            f"labels.json {labels.tags}")
    return schema, labels


def _json_file(path: Path) -> dict:
    with loading(path):
        data = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        raise ModelDirError(f"{path}: not a JSON object; {FIX}")
    return data


@contextlib.contextmanager
def loading(path: str | Path, fix: str = FIX) -> Iterator[None]:
    """Turn an error raised while a library reads ``path`` into a ModelDirError naming it (json,
    safetensors, tokenizers, transformers and ONNX Runtime raise their own types, naming no file).

    >>> with loading("m/tagger/tokenizer.json"):
    ...     json.loads("{not json")
    Traceback (most recent call last):
    ...
    toll.models.common.errors.ModelDirError: m/tagger/tokenizer.json: cannot be loaded (JSONDecodeError: Expecting property name enclosed in double quotes: line 1 column 2 (char 1)); re-copy ...
    """
    try:
        yield
    except (TollError, MemoryError):
        raise
    except Exception as exc:
        detail = (str(exc).strip().splitlines() or [""])[0][:300]
        raise ModelDirError(f"{path}: cannot be loaded ({type(exc).__name__}: {detail}); {fix}") from None
