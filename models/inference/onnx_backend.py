"""The ONNX Runtime backend: the Backend protocol (:mod:`toll.models.inference.backends`) on sessions
of the exports :mod:`toll.models.inference.onnx_export` makes (exported first where they are
missing or stale).

>>> default_threads() >= 1
True
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from toll.models.inference.model_dir import loading
from toll.models.inference.onnx_export import ensure_exported, variant_files

def default_threads() -> int:
    """Cores this process may use (the affinity mask, which containers and Ray set)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def make_session(path: Path, threads: int | None = None):
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = threads or default_threads()
    options.inter_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    with loading(path, fix=f"delete {path.parent} and run again to export it afresh"):
        return ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])


def _numpy(x) -> np.ndarray:
    return x.numpy() if hasattr(x, "numpy") else np.asarray(x)


class OnnxBackend:
    """The Backend protocol (:mod:`toll.models.inference.backends`) on ONNX Runtime sessions."""

    def __init__(self, tagger_session, relation_session, name: str = "onnx"):
        self.name = name
        self.tagger = tagger_session
        self.relation = relation_session

    @classmethod
    def from_model_dir(cls, directory: str | Path, name: str = "onnx", threads: int | None = None) -> "OnnxBackend":
        tagger_file, relation_file = variant_files(name)
        folder = ensure_exported(directory, backends=(name,))
        return cls(make_session(folder / tagger_file, threads), make_session(folder / relation_file, threads), name)

    def tagger_logits(self, input_ids, attention_mask) -> np.ndarray:
        feeds = {"input_ids": _numpy(input_ids).astype(np.int64, copy=False),
                 "attention_mask": _numpy(attention_mask).astype(np.int64, copy=False)}
        return self.tagger.run(None, feeds)[0]

    def relation_logits(self, batch) -> np.ndarray:
        feeds = {"input_ids": _numpy(batch["input_ids"]).astype(np.int64, copy=False),
                 "attention_mask": _numpy(batch["attention_mask"]).astype(np.int64, copy=False),
                 "head_pos": _numpy(batch["head_pos"]).astype(np.int64, copy=False),
                 "tail_pos": _numpy(batch["tail_pos"]).astype(np.int64, copy=False),
                 "allowed": _numpy(batch["allowed"]).astype(bool, copy=False)}
        return self.relation.run(None, feeds)[0]
