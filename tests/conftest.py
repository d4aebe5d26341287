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
