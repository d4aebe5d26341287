"""ONNX backends: export cache, logits against PyTorch, predictions of every backend against torch."""

import json

import numpy as np
import pytest
import torch

pytest.importorskip("onnxruntime", reason="onnxruntime is not installed")

from toll.models.text.alignment import tokenize  # noqa: E402
from toll.models.inference.backends import default_backend, load_backend  # noqa: E402
from toll.models.networks.relation_classifier import pad_relation_batch  # noqa: E402
from toll.models.networks.relation_encoding import build_head_examples  # noqa: E402
from toll.models.inference.onnx_export import ensure_exported, is_current, onnx_dir, read_manifest  # noqa: E402
from toll.models.inference.pipeline import Pipeline  # noqa: E402


@pytest.fixture(scope="module")
def exported(smoke_model):
    ensure_exported(smoke_model)
    return smoke_model


@pytest.fixture(scope="module")
def test_split(repo):
    from toll.training.corpus.files import load_corpus
    from toll.models.text.schema import Schema

    corpus = load_corpus(repo / "data/corpus", repo / "data/splits.json", Schema.load(), repo / "seeds")
    # the written articles: long, figure-dense texts on which the barely trained smoke model still
    # predicts enough spans for the backends' agreement to mean something
    return corpus.splits["test_written"]


@pytest.fixture(scope="module")
def backends(exported):
    return {name: load_backend(name, exported) for name in ("torch", "torch-bf16", "onnx", "onnx-int8")}


def _tagger_rows(tokenizer, texts, length=128):
    """Full 128-token rows (and one padded row) cut from the texts."""
    rows = []
    for text in texts:
        ids = tokenize(tokenizer, text).input_ids
        for i in range(0, len(ids) - (length - 2) + 1, length - 2):
            rows.append([tokenizer.cls_token_id, *ids[i : i + length - 2], tokenizer.sep_token_id])
    rows.append([tokenizer.cls_token_id, *rows[0][1:20], tokenizer.sep_token_id])  # a short, padded row
    ids = torch.full((len(rows), length), tokenizer.pad_token_id, dtype=torch.long)
    mask = torch.zeros_like(ids)
    for i, row in enumerate(rows):
        ids[i, : len(row)] = torch.tensor(row)
        mask[i, : len(row)] = 1
    return ids, mask


def test_export_writes_fused_graphs_and_a_manifest_of_the_weights(exported):
    manifest = read_manifest(exported)
    assert set(manifest["files"]) == {"onnx", "onnx-int8"}
    for network in ("tagger", "relation"):
        assert manifest["fused_operators"][network].get("Attention") == 6  # MiniLM: 6 layers, fused
    assert manifest["sources"]["tagger/model.safetensors"]
    assert is_current(exported)


def test_stale_export_is_rebuilt_and_a_current_one_reused(exported):
    manifest_path = onnx_dir(exported) / "manifest.json"
    before = manifest_path.stat().st_mtime_ns
    ensure_exported(exported)
    assert manifest_path.stat().st_mtime_ns == before  # current: nothing rewritten
    stale = json.loads(manifest_path.read_text())
    stale["sources"]["tagger/model.safetensors"] = "0" * 64  # as if the tagger were retrained
    manifest_path.write_text(json.dumps(stale))
    assert not is_current(exported)
    ensure_exported(exported)
    assert is_current(exported) and read_manifest(exported)["sources"] != stale["sources"]


def test_fp32_onnx_logits_match_torch(backends, tokenizer, test_split):
    ids, mask = _tagger_rows(tokenizer, [d.text for d in test_split[:6]])
    keep = mask.bool().numpy()
    reference = backends["torch"].tagger_logits(ids, mask)
    onnx = backends["onnx"].tagger_logits(ids, mask)
    assert onnx.shape == reference.shape
    assert np.abs(onnx - reference)[keep].max() < 1e-3
    int8 = backends["onnx-int8"].tagger_logits(ids, mask)
    agreement = (int8.argmax(-1) == reference.argmax(-1))[keep].mean()
    assert agreement > 0.97, agreement


def test_fp32_onnx_relation_logits_match_torch(backends, exported, test_split):
    pipe = Pipeline.from_pretrained(exported, backend="torch")
    from toll.models.text.sentences import sentence_spans

    encoding = pipe.relation_classifier.encoding
    examples = []
    for doc in test_split[:4]:
        examples += build_head_examples(tokenize(pipe.tokenizer, doc.text), list(doc.entities),
                                        sentence_spans(doc.text), encoding)
    assert len(examples) >= 8
    batch = pad_relation_batch([ex.model_inputs() for ex in examples[:8]], encoding.pad_id)
    reference = backends["torch"].relation_logits(batch)
    onnx = backends["onnx"].relation_logits(batch)
    allowed = batch["allowed"].numpy()
    assert np.abs(onnx - reference)[allowed].max() < 1e-3
    assert (onnx[~allowed] < -1e30).all()  # schema-disallowed classes stay masked


def test_bf16_logits_are_close_to_fp32_and_come_back_as_float32(backends, exported, tokenizer, test_split):
    ids, mask = _tagger_rows(tokenizer, [d.text for d in test_split[:6]])
    keep = mask.bool().numpy()
    reference = backends["torch"].tagger_logits(ids, mask)
    bf16 = backends["torch-bf16"].tagger_logits(ids, mask)
    assert bf16.dtype == np.float32 and bf16.shape == reference.shape
    # bf16 keeps 8 bits of mantissa: logits of a few units differ by hundredths, not by tenths
    assert np.abs(bf16 - reference)[keep].max() < 0.25
    assert (bf16.argmax(-1) == reference.argmax(-1))[keep].mean() > 0.97

    pipe = Pipeline.from_pretrained(exported, backend="torch")
    from toll.models.text.sentences import sentence_spans

    encoding = pipe.relation_classifier.encoding
    examples = []
    for doc in test_split[:2]:
        examples += build_head_examples(tokenize(pipe.tokenizer, doc.text), list(doc.entities),
                                        sentence_spans(doc.text), encoding)
    batch = pad_relation_batch([ex.model_inputs() for ex in examples[:8]], encoding.pad_id)
    reference = backends["torch"].relation_logits(batch)
    bf16 = backends["torch-bf16"].relation_logits(batch)
    allowed = batch["allowed"].numpy()
    assert bf16.dtype == np.float32
    assert np.abs(bf16 - reference)[allowed].max() < 0.25
    assert (bf16[~allowed] < -1e30).all()  # schema-disallowed classes stay masked in bf16 too


def _records(model, backend, docs, entities_given=False):
    pipe = Pipeline.from_pretrained(model, backend=backend)
    docs = docs if entities_given else [d.without_annotations() for d in docs]
    return [p.to_record() for p in pipe.predict_documents(docs, entities_given=entities_given)]


def _spans(records):
    return [[(e["start"], e["end"], e["label"]) for e in r["entities"]] for r in records]


def _links(records):
    return {(r["id"], x["head"], x["tail"], x["label"]) for r in records for x in r["relations"]}


def test_backends_predict_what_torch_predicts_on_the_written_test_split(exported, test_split):
    torch_full = _records(exported, "torch", test_split)
    assert _spans(_records(exported, "onnx", test_split)) == _spans(torch_full)
    # relations on the gold entities exercise the relation classifier on every allowed pair
    torch_rel = _records(exported, "torch", test_split, entities_given=True)
    onnx_rel = _records(exported, "onnx", test_split, entities_given=True)
    assert len(_links(torch_rel)) > 50
    assert _links(onnx_rel) == _links(torch_rel)
    scores = [(a["score"], b["score"]) for r, s in zip(torch_rel, onnx_rel) for a, b in zip(r["relations"], s["relations"])]
    assert max(abs(a - b) for a, b in scores) <= 2e-4  # rounded to 4 places; fp32 noise only

    int8_full = _records(exported, "onnx-int8", test_split)
    int8_rel = _records(exported, "onnx-int8", test_split, entities_given=True)
    torch_spans = {(i, *s) for i, spans in enumerate(_spans(torch_full)) for s in spans}
    int8_spans = {(i, *s) for i, spans in enumerate(_spans(int8_full)) for s in spans}
    entity_agreement = len(torch_spans & int8_spans) / max(1, len(torch_spans | int8_spans))
    link_agreement = len(_links(torch_rel) & _links(int8_rel)) / len(_links(torch_rel) | _links(int8_rel))
    print(f"int8 vs torch on the written test split: entity Jaccard {entity_agreement:.3f} "
          f"({len(torch_spans)} vs {len(int8_spans)} spans), relation Jaccard {link_agreement:.3f}")
    assert link_agreement > 0.9
    assert entity_agreement > 0.8 or len(torch_spans | int8_spans) < 5


def test_default_backend_follows_the_int8_rule():
    fp32 = {"entities": 60.0, "relations": 50.0}
    close = {"entities": 59.6, "relations": 49.5}  # loses 0.4 and 0.5 points
    far = {"entities": 60.2, "relations": 49.4}  # loses 0.6 points on relations
    assert default_backend({"test": {"onnx": fp32, "onnx-int8": close}}) == "onnx-int8"
    assert default_backend({"test": {"onnx": fp32, "onnx-int8": far}}) == "onnx"
    assert default_backend({"test": {"onnx": fp32, "onnx-int8": close},
                            "dev": {"onnx": fp32, "onnx-int8": far}}) == "onnx"
    assert default_backend({"dev": {"onnx": fp32, "onnx-int8": close}}) == "onnx"  # no test figures
    assert default_backend({"test": {"onnx": {}, "onnx-int8": {}}}) == "onnx"


def test_export_only_command(exported, capsys):
    from toll.models.inference.cli import main

    assert main(["--export-only", "--model", str(exported)]) == 0
    assert "up to date" in capsys.readouterr().err


def test_a_damaged_export_is_rebuilt_not_trusted(exported, tmp_path, capsys):
    from toll.models.inference.onnx_export import stale_reason
    from toll.models.inference.cli import main

    folder = onnx_dir(exported)
    whole = {f: (folder / f).stat().st_size for f in ("tagger.onnx", "relation.int8.onnx")}
    tagger = folder / "tagger.onnx"
    tagger.write_bytes(tagger.read_bytes()[: whole["tagger.onnx"] // 2])  # a truncated copy
    altered = bytearray((folder / "relation.int8.onnx").read_bytes())
    altered[len(altered) // 2] ^= 0xFF  # same size, other bytes
    (folder / "relation.int8.onnx").write_bytes(bytes(altered))
    assert stale_reason(exported, ("onnx",)) == "tagger.onnx is truncated or altered (its size differs from the manifest)"
    assert stale_reason(exported, ("onnx-int8",)) == "relation.int8.onnx is altered (its sha256 differs from the manifest)"
    assert not is_current(exported)

    article = tmp_path / "a.txt"
    article.write_text("Gunmen killed two guards in Kano on Friday, police said.")
    assert main([str(article), "--model", str(exported), "--backend", "onnx", "--no-progress"]) == 0
    err = capsys.readouterr().err
    assert f"note: {folder}: tagger.onnx is truncated or altered (its size differs from the manifest); exporting again" in err
    assert is_current(exported)
    assert {f: (folder / f).stat().st_size for f in whole} == whole
    assert read_manifest(exported)["exports"]["tagger.onnx"]["size"] == whole["tagger.onnx"]
