"""What inference reads of a model directory's saved training config: read back typed from the
configs toll-train writes, refused by file and key (with the fix) when a needed key is missing."""

import shutil

import pytest
import yaml

from toll.models.common.errors import ModelDirError
from toll.models.common.yaml_config import dump_config
from toll.models.inference.cli import main
from toll.models.inference.integrity import MANIFEST
from toll.models.inference.settings import InferenceSettings
from toll.training.config import load_train_config


@pytest.mark.parametrize("config_file", ["default.yaml", "smoke.yaml"])
def test_settings_are_read_back_from_the_config_toll_train_saves(repo, tmp_path, config_file):
    config = load_train_config(repo / "configs" / config_file, ["--windows.overlap_sentences", "2",
                                                                "--relations.sentence_window", "3"])
    (tmp_path / "config.yaml").write_text(dump_config(config))  # as training/model_writer.py saves it
    settings = InferenceSettings.load(tmp_path)
    assert settings.windows.max_tokens == config.windows.max_tokens
    assert settings.windows.overlap_sentences == 2
    assert (settings.relations.sentence_window, settings.relations.max_tokens) == (3, config.relations.max_tokens)


def default_config(repo) -> dict:
    """configs/default.yaml as toll-train saves it beside the weights, parsed back."""
    return yaml.safe_load(dump_config(load_train_config(repo / "configs" / "default.yaml")))


def save(config: dict, folder) -> None:
    (folder / "config.yaml").write_text(yaml.safe_dump(config))


@pytest.mark.parametrize("drop", ["windows.max_tokens", "windows.overlap_sentences", "relations.sentence_window",
                                  "relations.max_tokens"])
def test_a_config_missing_a_needed_key_is_refused_naming_the_file_the_key_and_the_fix(repo, tmp_path, drop):
    config = default_config(repo)
    section, key = drop.split(".")
    del config[section][key]
    save(config, tmp_path)
    with pytest.raises(ModelDirError) as refusal:
        InferenceSettings.load(tmp_path)
    message = str(refusal.value)
    assert message.startswith(f"{tmp_path / 'config.yaml'}: ")
    assert f"{drop}: Field required" in message
    assert "retrain the model (toll-train CONFIG)" in message and "re-save config.yaml" in message


def test_a_value_of_the_wrong_type_is_refused_not_coerced(repo, tmp_path):
    config = default_config(repo)
    config["windows"]["max_tokens"] = "128"
    save(config, tmp_path)
    with pytest.raises(ModelDirError, match="windows.max_tokens: Input should be a valid integer"):
        InferenceSettings.load(tmp_path)


@pytest.mark.parametrize("content, named", [("[1, 2]\n", "not a toll training config"),
                                            ("windows: {max_tokens: [\n", "not valid YAML")])
def test_a_config_that_is_no_mapping_is_refused(tmp_path, content, named):
    (tmp_path / "config.yaml").write_text(content)
    with pytest.raises(ModelDirError, match=named):
        InferenceSettings.load(tmp_path)


def test_toll_predict_refuses_a_model_whose_config_lacks_a_setting(smoke_model, tmp_path, capsys):
    model = shutil.copytree(smoke_model, tmp_path / "model", ignore=shutil.ignore_patterns("onnx"))
    (model / MANIFEST).unlink()  # a directory from before manifests: config.yaml is read as it is
    config = yaml.safe_load((model / "config.yaml").read_text())
    del config["relations"]["sentence_window"]
    (model / "config.yaml").write_text(yaml.safe_dump(config))
    article = tmp_path / "a.txt"
    article.write_text("Gunmen killed two guards in Kano on Friday, police said.")
    code = main([str(article), "--model", str(model), "--backend", "torch", "--no-progress"])
    err = capsys.readouterr().err
    assert code == 2
    assert f"error: {model / 'config.yaml'}: missing or invalid settings inference needs " \
           "(relations.sentence_window: Field required); retrain the model" in err
    assert "Traceback" not in err
