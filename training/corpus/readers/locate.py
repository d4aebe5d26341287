"""Where the public corpora live: ``$TOLL_DATASETS``, else ``../shared/datasets`` beside the repo.

>>> import os, tempfile
>>> with tempfile.TemporaryDirectory() as tmp:
...     os.mkdir(os.path.join(tmp, "re3d"))
...     os.environ["TOLL_DATASETS"] = tmp
...     dataset_root("re3d") == Path(tmp) / "re3d"
True
>>> del os.environ["TOLL_DATASETS"]
"""

from __future__ import annotations

import os
from pathlib import Path

from toll.models.common.errors import CorpusError
from toll.models.common.paths import PACKAGE_ROOT as REPO_ROOT

ENV_VAR = "TOLL_DATASETS"


def datasets_dirs() -> list[Path]:
    """The places searched, in order: ``$TOLL_DATASETS`` (when set), then ``../shared/datasets``."""
    dirs = [Path(os.environ[ENV_VAR])] if os.environ.get(ENV_VAR) else []
    return dirs + [REPO_ROOT.parent / "shared" / "datasets"]


def dataset_root(name: str) -> Path:
    """The folder of one corpus (``re3d``, ``muc4``, ``polnear``, ``conflibert``)."""
    for base in datasets_dirs():
        if (base / name).is_dir():
            return base / name
    env = os.environ.get(ENV_VAR)
    from_env = str(Path(env) / name) if env else "not set"
    shared = REPO_ROOT.parent / "shared" / "datasets" / name
    raise CorpusError(
        f"dataset {name!r} not found: looked in ${ENV_VAR} ({from_env}) and {shared}; "
        f"set {ENV_VAR} to the folder that holds {name}/"
    )
