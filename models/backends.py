"""Inference backends: what runs the two networks. The pipeline only calls these two methods, so
a backend can be PyTorch, ONNX Runtime or anything else that returns the same logits.

- ``tagger_logits(input_ids, attention_mask) -> np.ndarray [B, T, n_tags]``
- ``relation_logits(batch: dict[str, torch.Tensor]) -> np.ndarray [B, K, n_classes]``
  (``batch`` as built by :func:`models.collate_relations.pad_relation_batch`; schema-disallowed
  classes already masked to a very negative value)
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

import numpy as np
import torch

from models.networks import MarkerRelationModel, load_token_classifier


class Backend(Protocol):
    name: str

    def tagger_logits(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> np.ndarray: ...

    def relation_logits(self, batch: dict[str, torch.Tensor]) -> np.ndarray: ...


class TorchBackend:
    """PyTorch eager, fp32 (or the device's default)."""

    name = "torch"

    def __init__(self, tagger, relation_model, device: str = "cpu"):
        self.device = device
        self.tagger = tagger.to(device).eval()
        self.relation_model = relation_model.to(device).eval()

    @classmethod
    def from_model_dir(cls, directory: Path, device: str | None = None) -> "TorchBackend":
        device = device or ("cuda" if torch.cuda.is_available() else "cpu")
        return cls(load_token_classifier(str(directory / "tagger")), MarkerRelationModel.load(directory / "relation"),
                   device)

    @torch.inference_mode()
    def tagger_logits(self, input_ids, attention_mask) -> np.ndarray:
        out = self.tagger(input_ids=input_ids.to(self.device), attention_mask=attention_mask.to(self.device))
        return out.logits.float().cpu().numpy()

    @torch.inference_mode()
    def relation_logits(self, batch) -> np.ndarray:
        batch = {k: v.to(self.device) for k, v in batch.items()}
        return self.relation_model(**batch)["logits"].float().cpu().numpy()


def load_backend(name: str, directory: Path, device: str | None = None) -> Backend:
    """``torch`` or, where :mod:`models.onnx_backend` provides them, ``onnx`` / ``onnx-int8``."""
    if name == "torch":
        return TorchBackend.from_model_dir(directory, device)
    from models.errors import ConfigError

    raise ConfigError(f"unknown backend {name!r}")
