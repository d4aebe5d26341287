"""The corpus a training config names, standoff documents included when their datasets are here.

>>> from toll.training.config import DataConfig
>>> DataConfig().standoff
'data/standoff'
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from toll.training.corpus.files import Corpus, load_annotation_dir, load_corpus, load_standoff_dir
from toll.models.text.document import Document
from toll.models.text.validation import Problem
from toll.models.text.schema import Schema
from toll.training.config import DataConfig
from toll.training.corpus.readers.locate import ENV_VAR
from toll.training.corpus.real_sources import standoff_text


def load_project_corpus(data: DataConfig, schema: Schema, quiet: bool = False) -> Corpus:
    """``load_corpus`` on the config's paths; says in one line when standoff documents were skipped."""
    if data.datasets_dir:
        os.environ.setdefault(ENV_VAR, data.datasets_dir)
    corpus = load_corpus(data.corpus, data.splits, schema, data.seeds, data.standoff, standoff_text)
    if corpus.skipped and not quiet:
        reasons = sorted(set(corpus.skipped.values()))
        print(f"note: {len(corpus.skipped)} standoff document(s) skipped: {reasons[0]}"
              + (f" (and {len(reasons) - 1} other reason(s))" if len(reasons) > 1 else ""), file=sys.stderr)
    return corpus


def load_all_documents(corpus: str | Path, standoff: str | Path, problems: list[Problem],
                       skipped: dict[str, str]) -> dict[str, Document]:
    """Every annotated article by id, whatever its split: the Label Studio files of ``corpus`` and
    the standoff records of ``standoff`` whose texts are on this machine."""
    docs = load_annotation_dir(corpus, problems)
    if Path(standoff).is_dir():
        docs.update(load_standoff_dir(standoff, standoff_text, problems, skipped))
    return docs
