"""What inference reads of the training config saved in a model directory (``MODEL/config.yaml``).

Only the settings that shape a prediction: the tagger's window and sentence overlap, and the
relation classifier's reach in sentences and token budget. Everything else in the saved config
(optimizer, data paths, ...) is training's business and ignored here. The capitalization marker and
the entity markers are not read from the config: they travel in the tokenizers and ``labels.json``.

>>> config = {"seed": 13, "windows": {"max_tokens": 128, "overlap_sentences": 1},
...           "relations": {"epochs": 6.0, "sentence_window": 1, "max_tokens": 256}}
>>> InferenceSettings.from_config(config, "MODEL/config.yaml").relations
RelationSettings(sentence_window=1, max_tokens=256)
>>> InferenceSettings.from_config({"windows": {"max_tokens": 128}}, "MODEL/config.yaml")
Traceback (most recent call last):
...
toll.models.common.errors.ModelDirError: MODEL/config.yaml: missing or invalid settings inference needs
(windows.overlap_sentences: Field required; relations: Field required); retrain the model (toll-train CONFIG), ...
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from toll.models.common.errors import ConfigError, ModelDirError
from toll.models.common.yaml_config import read_yaml

CONFIG_FILE = "config.yaml"
RESAVE_FIX = ("retrain the model (toll-train CONFIG), or re-save config.yaml with the values it was trained "
              "with and rewrite manifest.json (toll.models.inference.integrity.write_manifest)")


class _Saved(BaseModel):
    # extra keys are the training config's own; strict: a saved 128 is an int, never "128" or 128.0
    model_config = ConfigDict(extra="ignore", frozen=True, strict=True)


class WindowSettings(_Saved):
    """The tagger's encoder windows (``windows`` in the training config)."""

    max_tokens: int = Field(gt=2, description="encoder window incl. [CLS] and [SEP]")
    overlap_sentences: int = Field(ge=0)


class RelationSettings(_Saved):
    """The relation classifier's inputs (``relations`` in the training config)."""

    sentence_window: int = Field(ge=0, description="candidate tails within this many sentences of the head")
    max_tokens: int = Field(gt=2, description="marked sequence incl. [CLS] and [SEP]")


class InferenceSettings(_Saved):
    windows: WindowSettings
    relations: RelationSettings

    @classmethod
    def from_config(cls, config: Any, where: str | Path) -> "InferenceSettings":
        """The settings in a parsed training config; ``where`` names it in a refusal."""
        if not isinstance(config, dict):
            raise ModelDirError(f"{where}: not a toll training config (a mapping); {RESAVE_FIX}")
        try:
            return cls.model_validate(config)
        except ValidationError as exc:
            problems = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors())
            raise ModelDirError(f"{where}: missing or invalid settings inference needs ({problems}); {RESAVE_FIX}") from None

    @classmethod
    def load(cls, model_dir: str | Path) -> "InferenceSettings":
        """The settings saved in ``model_dir/config.yaml``, or a ModelDirError naming the file and the fix."""
        path = Path(model_dir) / CONFIG_FILE
        try:
            config = read_yaml(path)
        except ConfigError as exc:  # names the file already
            raise ModelDirError(f"{exc}; {RESAVE_FIX}") from None
        return cls.from_config(config, path)
