"""Where the project's packaged files are, in a checkout and in an installed wheel alike.

The distribution maps ``toll.models`` to ``models/``, ``toll.configs`` to ``configs/`` and so on
(``pyproject.toml``), so the folder holding ``models/`` also holds ``configs/``: the repository root in a
checkout, ``site-packages/toll`` in an install.

>>> (CONFIGS_DIR / "schema.yaml").is_file()
True
"""

from __future__ import annotations

from pathlib import Path

PACKAGE_ROOT = Path(__file__).resolve().parents[2]
CONFIGS_DIR = PACKAGE_ROOT / "configs"
