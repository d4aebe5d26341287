"""A damaged model directory is refused by name (exit 2, no traceback); an old one still loads."""

import json
import shutil

import pytest

from toll.models.common.errors import ModelDirError
from toll.models.inference.integrity import MANIFEST, listed_files
from toll.models.inference.model_dir import check_model_dir
from toll.models.inference.outputs import partial_path
from toll.models.inference.pipeline import Pipeline
from toll.models.inference.cli import main


@pytest.fixture
def model(smoke_model, tmp_path):
    """A private copy of the smoke model (without ONNX exports) to damage."""
    return shutil.copytree(smoke_model, tmp_path / "model", ignore=shutil.ignore_patterns("onnx"))


@pytest.fixture
def article(tmp_path):
    path = tmp_path / "a.txt"
    path.write_text("Gunmen killed two guards in Kano on Friday, police said.")
    return path


def predict(capsys, model, article, *extra):
    out = article.parent / "pred.jsonl"
    code = main([str(article), "--model", str(model), "--out", str(out), "--backend", "torch", "--no-progress",
                 *extra])
    err = capsys.readouterr().err
    assert not out.exists() or code == 0
    assert not partial_path(out).exists()
    return code, err


def truncate(path, keep=0.5):
    data = path.read_bytes()
    path.write_bytes(data[: int(len(data) * keep)])


def flip_a_byte(path):
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))


def test_the_manifest_lists_what_a_prediction_depends_on(smoke_model):
    files = json.loads((smoke_model / MANIFEST).read_text())["files"]
    assert {"tagger/model.safetensors", "relation/model.safetensors", "tagger/tokenizer.json", "labels.json",
            "schema.yaml", "config.yaml", "training_log.json"} <= set(files)
    assert not {"README.md", "metrics.json", "thresholds.json", MANIFEST} & set(files)
    assert not any(name.startswith("onnx/") for name in files)
    weights = smoke_model / "tagger" / "model.safetensors"
    assert files["tagger/model.safetensors"]["size"] == weights.stat().st_size
    assert len(files["tagger/model.safetensors"]["sha256"]) == 64
    assert sorted(files) == listed_files(smoke_model)


DAMAGE = {
    # file, what is done to it, words the refusal must contain
    "truncated weights": ("tagger/model.safetensors", truncate, "tagger/model.safetensors has"),
    "weights altered in place": ("relation/model.safetensors", flip_a_byte, "relation/model.safetensors differs"),
    "config.json not JSON": ("relation/config.json", lambda p: p.write_text("{not json"), "relation/config.json"),
    "tokenizer truncated": ("tagger/tokenizer.json", truncate, "tagger/tokenizer.json has"),
    "a file added": ("tagger/vocab.txt", lambda p: p.write_text("[PAD]\n"), "tagger/vocab.txt is not in manifest.json"),
    "a file removed": ("relation/tokenizer_config.json", lambda p: p.unlink(), "relation/tokenizer_config.json is missing"),
    "config.yaml edited": ("config.yaml", lambda p: p.write_text(p.read_text() + "# edited\n"), "config.yaml has"),
}


@pytest.mark.parametrize("damage", sorted(DAMAGE))
def test_a_damaged_model_directory_is_refused_by_name(model, article, capsys, damage):
    name, harm, named = DAMAGE[damage]
    harm(model / name)
    code, err = predict(capsys, model, article)
    assert code == 2, err
    assert err.startswith("error: ") and named in err, err
    assert "re-copy the model directory" in err and "retrain" in err
    assert "Traceback" not in err


def test_loading_from_python_raises_the_same_error(model):
    truncate(model / "tagger" / "model.safetensors")
    with pytest.raises(ModelDirError, match="tagger/model.safetensors has .* bytes, manifest.json says"):
        Pipeline.from_pretrained(model)


def test_what_changes_without_changing_a_prediction_is_not_checked(model):
    (model / "README.md").write_text("# card, rewritten by toll-eval\n")
    (model / "metrics.json").write_text('{"test": {}}')
    (model / ".README.md.x1y2.tmp").write_text("toll-eval is writing")  # a temporary file of atomic_write_text
    thresholds = json.loads((model / "thresholds.json").read_text())
    (model / "thresholds.json").write_text(json.dumps({**thresholds, "entity": 0.5}))  # hand-tuned floors
    check_model_dir(model)
    (model / "onnx").mkdir()
    (model / "onnx" / "anything.onnx").write_bytes(b"the ONNX export has its own manifest")
    check_model_dir(model)


def test_a_damaged_manifest_is_refused_by_name(model):
    (model / MANIFEST).write_text('{"format": "toll-model-manifest/1", "files": ')
    with pytest.raises(ModelDirError, match="manifest.json: unreadable"):
        check_model_dir(model)


def test_a_directory_from_before_manifests_loads_with_one_warning(model, capsys):
    (model / MANIFEST).unlink()
    pipe = Pipeline.from_pretrained(model, backend="torch")
    Pipeline.from_pretrained(model, backend="torch")
    warnings = [line for line in capsys.readouterr().err.splitlines() if line.startswith("warning:")]
    assert warnings == [f"warning: {model}: no manifest.json (saved before toll wrote manifests); its files are "
                        "not checked for damage: retrain to get one"]
    assert pipe.predict_text("Gunmen killed two guards.")["id"] == "0"


@pytest.mark.parametrize("name, harm, named", [
    ("tagger/model.safetensors", truncate, "tagger/model.safetensors: truncated or damaged safetensors file"),
    ("relation/config.json", lambda p: p.write_text("{not json"), "relation/config.json"),
    ("tagger/config.json", lambda p: p.write_text('{"id2label": '), "tagger/config.json: cannot be loaded (JSONDecodeError"),
    ("relation/tokenizer.json", truncate, "relation/tokenizer.json: not valid JSON"),
    ("tagger/tokenizer.json", lambda p: p.write_text("{}"), "tagger: cannot be loaded ("),  # JSON, but no tokenizer
    ("thresholds.json", lambda p: p.write_text('{"entity": '), "thresholds.json: not valid JSON"),
])
def test_damage_in_a_directory_from_before_manifests_is_named_too(model, article, capsys, name, harm, named):
    (model / MANIFEST).unlink()
    harm(model / name)
    code, err = predict(capsys, model, article)
    assert code == 2 and named in err, err
    assert "Traceback" not in err
