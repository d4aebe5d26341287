"""ONNX exports of the tagger and the relation classifier, made once per model directory and
checked before every use (the runtime that loads them: :mod:`toll.models.inference.onnx_backend`).

``export_onnx(MODEL)`` writes, under ``MODEL/onnx/``::

    tagger.onnx          fp32, graph-optimized (fused attention, LayerNorm, GELU)
    tagger.int8.onnx     the same, weights dynamically quantized to int8
    relation.onnx        the marker relation classifier (encoder + gather + head), fp32 optimized
    relation.int8.onnx
    manifest.json        sha256 of the source safetensors and configs, size and sha256 of each
                         export, versions, recipe

The recipe (other routes do not fuse attention): the legacy TorchScript exporter (``dynamo=False``)
on the model with eager attention, then ONNX Runtime's BERT optimizer, then ``quantize_dynamic``
with ``DefaultTensorType`` FLOAT (the quantizer cannot infer the type of some fused outputs
without it). int8 covers the ``MatMul`` nodes only (feed-forward, attention output, heads: ~75% of
the arithmetic); the fused ``Attention`` keeps its Q/K/V projection in fp32. On the model trained by
the default config that cut int8's F1 loss on the dev split (quantizing Attention too: entities
-0.65, relations -1.57 points; MatMul only: -0.45, -0.97) and on the test split, at no speed cost
measurable on 2 cores.

Dynamic int8 picks its activation scale per batch, so an article's int8 scores depend slightly on
the articles batched with it; fp32 ONNX gives the same output in any batch.

A manifest whose hashes no longer match the weights (the model was retrained in place), whose
recipe changed, or whose exports are missing, truncated or altered (size or sha256 differs) makes
:func:`ensure_exported` rebuild the exports: an export is never trusted on its name alone.

Files are written under temporary names and renamed, the manifest last, so a reader never sees a
half-written export and concurrent exporters (Ray actors) at worst repeat the work.

>>> variant_files("onnx-int8")
('tagger.int8.onnx', 'relation.int8.onnx')
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from pathlib import Path

import torch

from toll.models.common.errors import ConfigError, ModelDirError
from toll.models.inference.integrity import file_sha256
from toll.models.inference.model_dir import check_model_dir, loading
from toll.models.networks.heads import MarkerRelationModel, load_token_classifier

RECIPE = "torchscript-eager+ort-bert-optimizer+dynamic-int8-matmul/v2"
OPSET = 17
VARIANTS = {"onnx": "", "onnx-int8": ".int8"}
SOURCES = ("tagger/model.safetensors", "tagger/config.json", "relation/model.safetensors",
           "relation/config.json", "relation/relation_head.json")


def variant_files(backend: str) -> tuple[str, str]:
    """File names (tagger, relation) of a backend's exports inside ``MODEL/onnx/``."""
    if backend not in VARIANTS:
        raise ConfigError(f"unknown ONNX backend {backend!r}; choose from {', '.join(VARIANTS)}")
    suffix = VARIANTS[backend]
    return f"tagger{suffix}.onnx", f"relation{suffix}.onnx"


def onnx_dir(model_dir: str | Path) -> Path:
    return Path(model_dir) / "onnx"


def source_hashes(model_dir: Path) -> dict[str, str]:
    return {name: file_sha256(model_dir / name) for name in SOURCES if (model_dir / name).exists()}


def export_entry(path: Path) -> dict:
    """What the manifest records of one export: ``{"size", "sha256"}``."""
    return {"size": path.stat().st_size, "sha256": file_sha256(path)}


def _versions() -> dict[str, str]:
    import onnx
    import onnxruntime

    return {"torch": torch.__version__, "onnx": onnx.__version__, "onnxruntime": onnxruntime.__version__}


def read_manifest(model_dir: str | Path) -> dict | None:
    path = onnx_dir(model_dir) / "manifest.json"
    try:
        return json.loads(path.read_text())
    except (OSError, json.JSONDecodeError):
        return None


def stale_reason(model_dir: str | Path, backends: tuple[str, ...] = tuple(VARIANTS)) -> str | None:
    """Why ``MODEL/onnx/`` cannot be used for ``backends`` as it is, or None when it holds their
    exports, whole (size and sha256 as its manifest says), made by this recipe from these weights."""
    model_dir = Path(model_dir)
    manifest = read_manifest(model_dir)
    if not manifest:
        return "no export yet"
    if manifest.get("recipe") != RECIPE:
        return f"exported by another recipe ({manifest.get('recipe')})"
    if manifest.get("sources") != source_hashes(model_dir):
        return "the model's weights or configs changed since the export"
    exports = manifest.get("exports")
    if not exports:
        return "the export predates size and sha256 checks of its files"
    for file in (f for v in backends for f in variant_files(v)):
        path = onnx_dir(model_dir) / file
        if not path.is_file():
            return f"{file} is missing"
        if file not in exports or path.stat().st_size != exports[file].get("size"):
            return f"{file} is truncated or altered (its size differs from the manifest)"
        if file_sha256(path) != exports[file].get("sha256"):
            return f"{file} is altered (its sha256 differs from the manifest)"
    return None


def is_current(model_dir: str | Path, backends: tuple[str, ...] = tuple(VARIANTS)) -> bool:
    """True when ``MODEL/onnx/`` holds whole exports for ``backends``, made by this recipe from these weights."""
    return stale_reason(model_dir, backends) is None


def ensure_exported(model_dir: str | Path, force: bool = False, backends: tuple[str, ...] = tuple(VARIANTS)) -> Path:
    """Export ``MODEL/onnx/`` unless whole, current exports for ``backends`` are there (an earlier
    export that is stale or damaged is rebuilt, with a note); returns the folder."""
    model_dir = Path(model_dir)
    reason = None if force else stale_reason(model_dir, backends)
    if force or reason is not None:
        if reason not in (None, "no export yet"):
            print(f"note: {onnx_dir(model_dir)}: {reason}; exporting again", file=sys.stderr)
        export_onnx(model_dir)
    return onnx_dir(model_dir)


# -- export -------------------------------------------------------------------------------------
def export_onnx(model_dir: str | Path) -> dict:
    """Export, optimize and quantize both networks of a model directory; returns the manifest."""
    model_dir = Path(model_dir)
    check_model_dir(model_dir)
    out = onnx_dir(model_dir)
    try:
        out.mkdir(exist_ok=True)
        probe = tempfile.NamedTemporaryFile(dir=out, prefix=".probe")
        probe.close()
    except OSError as exc:
        raise ModelDirError(f"{out}: cannot write the ONNX export here ({exc.strerror}); "
                            "export on a writable copy of the model directory") from None
    sources = source_hashes(model_dir)
    tagger, relation = _load_eager(model_dir)
    config = tagger.config
    shapes = {"num_heads": config.num_attention_heads, "hidden_size": config.hidden_size}
    stats = {}
    with tempfile.TemporaryDirectory(dir=out, prefix=".export") as tmp:
        tmp = Path(tmp)
        _export_tagger(tagger, tmp / "tagger.raw.onnx")
        _export_relation(relation, tmp / "relation.raw.onnx")
        for name in ("tagger", "relation"):
            stats[name] = _optimize(tmp / f"{name}.raw.onnx", tmp / f"{name}.onnx", **shapes)
            _quantize(tmp / f"{name}.onnx", tmp / f"{name}.int8.onnx")
        files = [f for variant in VARIANTS for f in variant_files(variant)]
        exports = {file: export_entry(tmp / file) for file in files}
        for file in files:
            os.replace(tmp / file, out / file)
    manifest = {"recipe": RECIPE, "opset": OPSET, "sources": sources, "versions": _versions(),
                "fused_operators": stats, "exports": exports,
                "files": {v: dict(zip(("tagger", "relation"), variant_files(v))) for v in VARIANTS}}
    _atomic_json(out / "manifest.json", manifest)
    return manifest


def _atomic_json(path: Path, data: dict) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(data, indent=2) + "\n")
    os.replace(tmp, path)


def _load_eager(model_dir: Path):
    """Both networks in fp32 with eager attention (SDPA does not export to a fusable pattern)."""
    with loading(model_dir / "tagger"):
        tagger = load_token_classifier(str(model_dir / "tagger")).float().eval()
    tagger.set_attn_implementation("eager")
    with loading(model_dir / "relation"):
        relation = MarkerRelationModel.load(model_dir / "relation").float().eval()
    relation.encoder.set_attn_implementation("eager")
    return tagger, relation


class _TaggerLogits(torch.nn.Module):
    """``(input_ids, attention_mask) -> logits``: the tagger as a module with plain tensor I/O."""

    def __init__(self, tagger):
        super().__init__()
        self.tagger = tagger

    def forward(self, input_ids, attention_mask):
        return self.tagger(input_ids=input_ids, attention_mask=attention_mask).logits


class _RelationLogits(torch.nn.Module):
    def __init__(self, relation):
        super().__init__()
        self.relation = relation

    def forward(self, input_ids, attention_mask, head_pos, tail_pos, allowed):
        return self.relation(input_ids, attention_mask, head_pos, tail_pos, allowed)["logits"]


def _export(module, args: tuple, path: Path, input_names: list[str], dynamic_axes: dict) -> None:
    import warnings

    with torch.inference_mode(False), torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # TracerWarnings about shape-dependent branches
        torch.onnx.export(module, args, str(path), input_names=input_names, output_names=["logits"],
                          dynamic_axes=dynamic_axes, opset_version=OPSET, dynamo=False,
                          do_constant_folding=True)


def _export_tagger(tagger, path: Path) -> None:
    ids = torch.tensor([[101, 2048, 2111, 2020, 2730, 102], [101, 2048, 2730, 102, 0, 0]])
    mask = (ids != 0).long()
    axes = {"input_ids": {0: "batch", 1: "seq"}, "attention_mask": {0: "batch", 1: "seq"},
            "logits": {0: "batch", 1: "seq"}}
    _export(_TaggerLogits(tagger), (ids, mask), path, ["input_ids", "attention_mask"], axes)


def _export_relation(relation, path: Path) -> None:
    ids = torch.tensor([[101, 2048, 2111, 2020, 2730, 102], [101, 2048, 2730, 102, 0, 0]])
    mask = (ids != 0).long()
    head_pos = torch.tensor([1, 1])
    tail_pos = torch.tensor([[2, 4], [2, 0]])
    allowed = torch.ones((2, 2, relation.num_classes), dtype=torch.bool)
    allowed[1, 1] = False
    axes = {"input_ids": {0: "batch", 1: "seq"}, "attention_mask": {0: "batch", 1: "seq"},
            "head_pos": {0: "batch"}, "tail_pos": {0: "batch", 1: "tails"},
            "allowed": {0: "batch", 1: "tails"}, "logits": {0: "batch", 1: "tails"}}
    _export(_RelationLogits(relation), (ids, mask, head_pos, tail_pos, allowed), path,
            ["input_ids", "attention_mask", "head_pos", "tail_pos", "allowed"], axes)


def _optimize(source: Path, target: Path, num_heads: int, hidden_size: int) -> dict:
    """ORT's BERT optimizer (offline, so the saved graph already holds the fused operators)."""
    from onnxruntime.transformers import optimizer

    model = optimizer.optimize_model(str(source), model_type="bert", num_heads=num_heads,
                                     hidden_size=hidden_size, opt_level=0)
    fused = {k: v for k, v in model.get_fused_operator_statistics().items() if v}
    model.save_model_to_file(str(target))
    return fused


def _quantize(source: Path, target: Path) -> None:
    import logging

    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    root = logging.getLogger()
    level = root.level
    root.setLevel(logging.ERROR)  # the quantizer's generic "consider pre-processing" warning
    try:
        quantize_dynamic(str(source), str(target), weight_type=QuantType.QInt8, op_types_to_quantize=["MatMul"],
                         extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT})
    finally:
        root.setLevel(level)
