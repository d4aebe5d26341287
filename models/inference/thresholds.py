"""Decision thresholds saved with a model: the entity and relation scores below which a prediction
is dropped. ``toll-train`` tunes them on the dev split (:mod:`toll.training.threshold_tuning`) and writes
``thresholds.json``; :class:`toll.models.inference.pipeline.Pipeline` applies them unless told otherwise.
They compare the scores the pipeline reports: calibrated where the model has ``calibration.json``
(:mod:`toll.models.inference.calibration`), and tuned after the calibration was fitted.

>>> t = DecisionThresholds(entity=0.55, relation=0.6)
>>> DecisionThresholds.from_json(t.to_json()) == t
True
>>> DecisionThresholds.from_json('{"entity": 1.5, "relation": 0}')
Traceback (most recent call last):
...
ValueError: thresholds.json: entity must be a number in [0, 1], got 1.5
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path

FILENAME = "thresholds.json"


@dataclass(frozen=True)
class DecisionThresholds:
    """Minimum reported scores for entities and relations (calibrated probabilities of being exactly
    correct; without ``calibration.json``, the mean word tag probability and the class probability).
    The zero default keeps every argmax decision, as a model without ``thresholds.json`` does."""

    entity: float = 0.0
    relation: float = 0.0

    @classmethod
    def from_json(cls, text: str, where: str = FILENAME) -> "DecisionThresholds":
        raw = json.loads(text)
        values = {}
        for key in ("entity", "relation"):
            value = raw.get(key, 0.0)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0.0 <= value <= 1.0:
                raise ValueError(f"{where}: {key} must be a number in [0, 1], got {value!r}")
            values[key] = float(value)
        return cls(**values)

    @classmethod
    def load(cls, model_dir: str | Path) -> "DecisionThresholds":
        """The thresholds saved in ``model_dir``, or the zero default where there are none."""
        path = Path(model_dir) / FILENAME
        return cls.from_json(path.read_text(), str(path)) if path.exists() else cls()

    def to_json(self, **extra) -> str:
        """``extra`` (how they were tuned) is written beside the two values and ignored on loading."""
        return json.dumps({**asdict(self), **extra}, indent=2) + "\n"
