"""Score calibration saved with a model: per head, a monotone map from the network's raw score of a
prediction (an entity span's mean tag probability, a link's class probability) to the probability
that the prediction is exactly correct, as measured on the dev split.

``toll-train`` fits it after training, and ``python -m toll.training.calibration MODEL_DIR`` fits it
for a model already trained (:mod:`toll.training.calibration`); both write ``calibration.json``,
which ``manifest.json`` lists. :class:`toll.models.inference.pipeline.Pipeline` reports the
calibrated scores and applies the decision thresholds to them. The map only renames scores: it is
non-decreasing, so which spans and links are predicted changes only through the thresholds. A
model directory without the file loads with the identity map (raw scores) and says so once.

>>> iso = ScoreMap("isotonic", x=(0.5, 0.9, 0.99), y=(0.2, 0.6, 0.9))
>>> [round(iso(s), 3) for s in (0.3, 0.7, 0.9, 0.95, 1.0)]
[0.2, 0.4, 0.6, 0.767, 0.9]
>>> round(iso.raw_cut(0.75), 4)      # the lowest raw score the map sends to 0.75 or more
0.945
>>> platt = ScoreMap("platt", a=0.5, b=0.0)   # logit halved: 0.99 -> about 0.91
>>> round(platt(0.99), 3), round(platt.raw_cut(platt(0.99)), 4)
(0.909, 0.99)
>>> cal = ScoreCalibration(iso, platt, fitted_on="dev (3 articles)")
>>> ScoreCalibration.from_json(cal.to_json()) == cal
True
"""

from __future__ import annotations

import json
import math
import sys
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

FILENAME = "calibration.json"
METHODS = ("identity", "isotonic", "platt")
_EPS = 1e-6  # raw scores are clipped to [EPS, 1 - EPS] before their logit is taken


@dataclass(frozen=True)
class ScoreMap:
    """One head's map. ``isotonic``: piecewise linear through the breakpoints ``(x, y)`` (both
    non-decreasing; constant beyond the ends); ``platt``: ``sigmoid(a * logit(score) + b)`` with
    ``a > 0``; ``identity``: the raw score."""

    method: str = "identity"
    x: tuple[float, ...] = ()
    y: tuple[float, ...] = ()
    a: float = 1.0
    b: float = 0.0

    def __call__(self, score: float) -> float:
        return float(self.apply(np.asarray([score], dtype=float))[0])

    def apply(self, scores: np.ndarray) -> np.ndarray:
        scores = np.asarray(scores, dtype=float)
        if self.method == "isotonic":
            return np.interp(scores, self.x, self.y)
        if self.method == "platt":
            z = _logit(scores)
            return 0.5 * (1.0 + np.tanh(0.5 * (self.a * z + self.b)))  # the sigmoid, without overflow
        return scores

    def raw_cut(self, threshold: float) -> float:
        """The lowest raw score whose calibrated score is at least ``threshold`` (1.0 when none is):
        a calibrated threshold read as the raw one it is equivalent to."""
        if self.method == "isotonic":
            x, y = self.x, self.y
            if threshold <= y[0]:
                return 0.0
            if threshold > y[-1]:
                return 1.0
            i = next(i for i in range(1, len(y)) if y[i] >= threshold)
            return x[i - 1] + (threshold - y[i - 1]) / (y[i] - y[i - 1]) * (x[i] - x[i - 1])
        if self.method == "platt":
            if threshold <= 0.0:
                return 0.0
            if threshold >= 1.0:
                return 1.0
            z = (math.log(threshold / (1 - threshold)) - self.b) / self.a
            return 1.0 / (1.0 + math.exp(-z))
        return threshold

    def to_dict(self) -> dict:
        if self.method == "isotonic":
            return {"method": "isotonic", "x": list(self.x), "y": list(self.y)}
        if self.method == "platt":
            return {"method": "platt", "a": self.a, "b": self.b}
        return {"method": "identity"}

    @classmethod
    def from_dict(cls, raw: dict, where: str) -> "ScoreMap":
        method = raw.get("method") if isinstance(raw, dict) else None
        if method not in METHODS:
            raise ValueError(f"{where}: method must be one of {', '.join(METHODS)}, got {method!r}")
        if method == "isotonic":
            x, y = raw.get("x"), raw.get("y")
            if not (isinstance(x, list) and isinstance(y, list) and x and len(x) == len(y)
                    and all(_number(v) for v in x + y)):
                raise ValueError(f"{where}: isotonic needs lists x and y of numbers, of one length")
            if any(b < a for a, b in zip(x, x[1:])) or any(b < a for a, b in zip(y, y[1:])) \
                    or not 0.0 <= y[0] <= y[-1] <= 1.0:
                raise ValueError(f"{where}: isotonic x and y must be non-decreasing, y within [0, 1]")
            return cls("isotonic", x=tuple(float(v) for v in x), y=tuple(float(v) for v in y))
        if method == "platt":
            a, b = raw.get("a"), raw.get("b")
            if not (_number(a) and _number(b) and a > 0):
                raise ValueError(f"{where}: platt needs numbers a > 0 and b, got a={a!r}, b={b!r}")
            return cls("platt", a=float(a), b=float(b))
        return cls()


@dataclass(frozen=True)
class ScoreCalibration:
    """The two heads' maps and where they were fitted (``"dev (182 articles)"``)."""

    entity: ScoreMap = field(default_factory=ScoreMap)
    relation: ScoreMap = field(default_factory=ScoreMap)
    fitted_on: str = ""

    @property
    def is_identity(self) -> bool:
        return self.entity.method == self.relation.method == "identity"

    def to_json(self, **extra) -> str:
        """``extra`` (how the method was chosen) is written beside the maps and ignored on loading."""
        heads = {"entity": self.entity.to_dict(), "relation": self.relation.to_dict()}
        for name, report in extra.pop("heads", {}).items():
            heads[name] = {**report, **heads[name]}  # the map's own keys win
        return json.dumps({"fitted_on": self.fitted_on, **heads, **extra}, indent=1) + "\n"

    @classmethod
    def from_json(cls, text: str, where: str = FILENAME) -> "ScoreCalibration":
        raw = json.loads(text)
        if not isinstance(raw, dict):
            raise ValueError(f"{where}: not a JSON object")
        maps = {head: ScoreMap.from_dict(raw.get(head), f"{where}: {head}") for head in ("entity", "relation")}
        return cls(**maps, fitted_on=str(raw.get("fitted_on", "")))

    @classmethod
    def load(cls, model_dir: str | Path, quiet: bool = False) -> "ScoreCalibration":
        """The calibration saved in ``model_dir``; the identity where there is none, said once per
        directory and process (unless ``quiet``)."""
        path = Path(model_dir) / FILENAME
        if path.exists():
            return cls.from_json(path.read_text(encoding="utf-8"), str(path))
        if not quiet and Path(model_dir).resolve() not in _WARNED:
            _WARNED.add(Path(model_dir).resolve())
            print(f"note: {model_dir}: no {FILENAME}; scores are the networks' raw probabilities, "
                  "uncalibrated (python -m toll.training.calibration MODEL_DIR fits one)", file=sys.stderr)
        return cls()


_WARNED: set[Path] = set()


def _number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _logit(scores: np.ndarray) -> np.ndarray:
    p = np.clip(scores, _EPS, 1 - _EPS)
    return np.log(p / (1 - p))
