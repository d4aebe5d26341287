import pytest

from toll.models.common.errors import ConfigError
from toll.models.text.schema import Schema
from toll.training.config import load_train_config


def test_unknown_key_names_key_and_file(tmp_path):
    path = tmp_path / "run.yaml"
    path.write_text("tagger:\n  epochs: 3\n  learning_rat: 1e-4\n")
    with pytest.raises(ConfigError, match=r"run.yaml: tagger.learning_rat: unknown key"):
        load_train_config(path)


def test_wrong_type_is_an_error(tmp_path):
    path = tmp_path / "run.yaml"
    path.write_text("tagger:\n  epochs: three\n")
    with pytest.raises(ConfigError, match=r"tagger.epochs"):
        load_train_config(path)


def test_scientific_notation_becomes_a_float(tmp_path):
    path = tmp_path / "run.yaml"
    path.write_text("tagger:\n  learning_rate: 1e-5\n")
    assert load_train_config(path).tagger.learning_rate == 1e-5


def test_dotted_overrides(repo):
    cfg = load_train_config(repo / "configs" / "default.yaml", ["--tagger.epochs", "2", "--seed=3"])
    assert (cfg.tagger.epochs, cfg.seed) == (2, 3)
    with pytest.raises(ConfigError, match="unknown key"):
        load_train_config(repo / "configs" / "default.yaml", ["--tagger.epoch", "2"])


def test_a_bad_override_names_the_flag_and_the_value_yaml_made_of_it(repo):
    with pytest.raises(ConfigError) as exc:
        load_train_config(repo / "configs" / "default.yaml", ["--tagger.epochs", "two: 2"])
    assert str(exc.value).startswith("--tagger.epochs on the command line: tagger.epochs:")
    assert "{'two': 2}" in str(exc.value) and "default.yaml" not in str(exc.value)


def test_all_shipped_configs_load(repo):
    for path in (repo / "configs").glob("*.yaml"):
        if path.name != "schema.yaml":
            load_train_config(path)


def test_schema_relation_to_unknown_label_fails(tmp_path):
    path = tmp_path / "schema.yaml"
    path.write_text("name: s\nentities:\n  KILLED: {casualty: killed}\n"
                    "relations:\n  perpetrator: {heads: [KILLED], tails: [ACTOR]}\n")
    with pytest.raises(ConfigError, match=r"schema.yaml.*unknown entity label 'ACTOR'"):
        Schema.load(path)


def test_missing_config_file(tmp_path):
    with pytest.raises(ConfigError, match="no such file"):
        load_train_config(tmp_path / "nope.yaml")


def test_missing_encoder_path_is_named(repo, capsys):
    from toll.training.cli import main

    code = main([str(repo / "configs" / "smoke.yaml"), "--encoder", "./no/such/encoder"])
    err = capsys.readouterr().err
    assert code == 2 and "encoder path './no/such/encoder' does not exist" in err
