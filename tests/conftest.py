import os
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def repo() -> Path:
    return REPO


@pytest.fixture(scope="session")
def tokenizer():
    from toll.models.networks.encoders import load_tokenizer

    return load_tokenizer("bundled:minilm-l6")


@pytest.fixture(scope="session")
def schema():
    from toll.models.text.schema import Schema

    return Schema.load()


@pytest.fixture(scope="session")
def smoke_model(tmp_path_factory) -> Path:
    """A model trained once per test session from configs/smoke.yaml (about 20 s)."""
    from toll.training.config import load_train_config
    from toll.training.train import train

    out = tmp_path_factory.mktemp("smoke") / "model"
    config = load_train_config(REPO / "configs" / "smoke.yaml", ["--output_dir", str(out)])
    return train(config)


@pytest.fixture(scope="session")
def default_model(tmp_path_factory) -> Path:
    """The model of configs/default.yaml: ``$TOLL_DEFAULT_MODEL`` if set (e.g. runs/default/model
    after ``make all``), else trained here (about 15 minutes on 2 cores)."""
    given = os.environ.get("TOLL_DEFAULT_MODEL")
    if given:
        return Path(given)
    from toll.training.config import load_train_config
    from toll.training.train import train

    out = tmp_path_factory.mktemp("default") / "model"
    return train(load_train_config(REPO / "configs" / "default.yaml", ["--output_dir", str(out)]))
