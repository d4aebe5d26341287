"""Train -> save -> load -> predict on the smoke config (a tiny model: the contract, not quality)."""

import json

import pytest

from toll.models.common.errors import ModelDirError
from toll.models.inference.model_dir import check_model_dir
from toll.models.inference.pipeline import Pipeline


def test_model_directory_is_self_contained(smoke_model, schema):
    for name in ("schema.yaml", "labels.json", "config.yaml", "metrics.json", "README.md",
                 "training_log.json", "tagger/model.safetensors", "relation/model.safetensors"):
        assert (smoke_model / name).exists(), name
    saved_schema, labels = check_model_dir(smoke_model)
    assert saved_schema == schema
    assert labels.tags == list(schema.iob2_labels())
    metrics = json.loads((smoke_model / "metrics.json").read_text())
    assert 0.0 <= metrics["dev"]["tagger"]["f1"] <= 1.0
    assert "Dev scores" in (smoke_model / "README.md").read_text()


def test_reloaded_model_predicts_records_including_empty_text(smoke_model):
    pipe = Pipeline.from_pretrained(smoke_model)
    texts = ["", "   \n ", "Gunmen killed two guards in Kano on Friday, police said.", "Взрыв убил 5 человек."]
    records = pipe.predict_texts(texts)
    assert [r["id"] for r in records] == ["0", "1", "2", "3"]
    assert records[0] == {"id": "0", "entities": [], "relations": [], "casualties": [], "tolls": []}
    for record, text in zip(records, texts):
        for e in record["entities"]:
            assert text[e["start"]:e["end"]] == e["text"] and 0.0 <= e["score"] <= 1.0
        ids = {e["id"] for e in record["entities"]}
        assert all(r["head"] in ids and r["tail"] in ids for r in record["relations"])


def test_batch_equals_single(smoke_model, repo):
    pipe = Pipeline.from_pretrained(smoke_model)
    seed = (repo / "seeds" / "000_7115594e92608c01.txt").read_text()
    others = [p.read_text() for p in sorted((repo / "seeds").glob("*.txt"))[1:6]]
    alone = pipe.predict_text(seed)
    batched = pipe.predict_texts([*others[:3], seed, *others[3:]])[3]
    def strip(rec):
        return ([(e["label"], e["start"], e["end"]) for e in rec["entities"]],
                [(r["head"], r["tail"], r["label"]) for r in rec["relations"]])
    assert strip(alone) == strip(batched)
    for a, b in zip(alone["entities"], batched["entities"]):
        assert a["score"] == pytest.approx(b["score"], abs=1e-3)


def test_long_article_is_read_in_full(smoke_model, repo):
    pipe = Pipeline.from_pretrained(smoke_model)
    seed = (repo / "seeds" / "000_7115594e92608c01.txt").read_text()
    long_text = (seed + "\n\n") * 70  # about 200,000 characters
    assert len(long_text) > 190_000
    record = pipe.predict_text(long_text)
    single = pipe.predict_text(seed)
    # every copy of the article is tagged: nothing past the first window is dropped
    assert len(record["entities"]) >= 60 * len(single["entities"])


def test_loading_refuses_pickle_weights(smoke_model, tmp_path):
    import shutil

    copy = tmp_path / "model"
    shutil.copytree(smoke_model, copy)
    (copy / "tagger" / "pytorch_model.bin").write_bytes(b"not really a pickle")
    with pytest.raises(ModelDirError, match="refusing pickle weights"):
        Pipeline.from_pretrained(copy)


def test_loading_refuses_labels_that_disagree_with_the_schema(smoke_model, tmp_path):
    import shutil

    copy = tmp_path / "model"
    shutil.copytree(smoke_model, copy)
    labels = json.loads((copy / "labels.json").read_text())
    labels["tags"] = labels["tags"][::-1]
    (copy / "labels.json").write_text(json.dumps(labels))
    with pytest.raises(ModelDirError, match="labels.json disagrees with schema.yaml"):
        Pipeline.from_pretrained(copy)


def test_loading_reports_missing_files(smoke_model, tmp_path):
    import shutil

    copy = tmp_path / "model"
    shutil.copytree(smoke_model, copy)
    (copy / "relation" / "model.safetensors").unlink()
    with pytest.raises(ModelDirError, match="missing relation/model.safetensors"):
        Pipeline.from_pretrained(copy)
