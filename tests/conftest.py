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
    from models.encoders import load_tokenizer

    return load_tokenizer("bundled:minilm-l6")


@pytest.fixture(scope="session")
def schema():
    from models.schema import Schema

    return Schema.load()


@pytest.fixture(scope="session")
def smoke_model(tmp_path_factory) -> Path:
    """A model trained once per test session from configs/smoke.yaml (about 20 s)."""
    from training.config import load_train_config
    from training.train import train

    out = tmp_path_factory.mktemp("smoke") / "model"
    config = load_train_config(REPO / "configs" / "smoke.yaml", ["--output_dir", str(out)])
    return train(config)
