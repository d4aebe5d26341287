"""``toll-data import-markup`` and ``toll-data show``: articles in inline markup, in and out of the corpus.

>>> import tempfile
>>> from argparse import Namespace
>>> from toll.models.text.document import Document, Entity
>>> from toll.models.text.studio_format import document_to_task, dumps_tasks
>>> doc = Document("brief-1", "Gunmen killed two guards.", (Entity("c1", 14, 24, "KILLED"),),
...                meta={"data": {"article_id": "brief-1"}})
>>> with tempfile.TemporaryDirectory() as tmp:
...     _ = (Path(tmp) / "brief-1.json").write_text(dumps_tasks([document_to_task(doc, 1)]))
...     run_show(Namespace(article="brief-1", corpus=tmp))
---
article_id: brief-1
---
Gunmen killed [[two guards|KILLED#c1]].
0
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from toll.models.text.inline import to_inline
from toll.models.text.schema import Schema
from toll.models.text.studio_files import read_documents
from toll.training.corpus.authoring import import_markup


def run_import(args: argparse.Namespace) -> int:
    """Hand-written articles -> their texts in ``seeds/`` and annotations in the corpus; 1 on problems."""
    schema = Schema.load(args.schema)
    written, problems = import_markup(
        [Path(p) for p in args.files], None if args.no_seeds else Path(args.seeds), Path(args.corpus),
        schema, text_from=Path(args.text_from) if args.text_from else None,
    )
    for p in problems:
        print(f"problem: {p}", file=sys.stderr)
    print(f"imported {len(written)} article(s); {len(problems)} problem(s)")
    return 1 if problems else 0


def run_show(args: argparse.Namespace) -> int:
    """Print one corpus article as inline markup with its front matter."""
    path = Path(args.corpus) / f"{args.article}.json"
    for doc in read_documents(path):
        print(to_inline(doc, with_front_matter=True))
    return 0
