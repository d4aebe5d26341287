"""The annotated documents an evaluation scores against: one split of the corpus a training config
names, or Label Studio export files. Each loader also says in words what it read, for the report.

>>> docs, described = load_gold_split("configs/default.yaml", "test_written")
>>> described, all(d.entities for d in docs)
('data/corpus (test_written split)', True)
>>> docs, described = load_gold_exports(["data/corpus/001_logar_refugee_accounts.json"])
>>> [d.id for d in docs], described
(['001_logar_refugee_accounts'], 'data/corpus/001_logar_refugee_accounts.json')
"""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

from toll.models.common.errors import TollError
from toll.models.text.document import Document
from toll.models.text.schema import Schema
from toll.models.text.studio_files import read_documents
from toll.training.config import load_train_config
from toll.training.corpus.project import load_project_corpus


def load_gold_split(config_path: str | Path, split: str) -> tuple[list[Document], str]:
    """The documents of ``split`` of the corpus the training config at ``config_path`` names; a
    :class:`TollError` when the corpus has problems or no such split."""
    config = load_train_config(config_path)
    schema = Schema.load(config.schema_path)
    corpus = load_project_corpus(config.data, schema)
    if corpus.problems:
        raise TollError(f"{config.data.corpus}: {len(corpus.problems)} corpus problem(s); run toll-train --check")
    if split not in corpus.splits:
        raise TollError(f"{config.data.splits}: no split {split!r}")
    return corpus.splits[split], f"{config.data.corpus} ({split} split)"


def load_gold_exports(paths: Sequence[str | Path]) -> tuple[list[Document], str]:
    """The documents of Label Studio export files, or of every ``*.json`` in a folder, in order."""
    docs = []
    for item in paths:
        path = Path(item)
        files = sorted(path.glob("*.json")) if path.is_dir() else [path]
        for file in files:
            docs.extend(read_documents(file))
    return docs, ", ".join(str(p) for p in paths)
