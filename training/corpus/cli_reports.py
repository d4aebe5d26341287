"""``toll-data stats``, ``agreement`` and ``crosscheck``: Markdown reports on the corpus.

Each prints its report and, with ``--update FILE``, rewrites that report's block in a Markdown
file (``data/README.md``).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from toll.models.common.errors import CorpusError
from toll.models.common.markdown_sections import update_block
from toll.models.text.schema import Schema
from toll.training.config import DataConfig
from toll.training.corpus.crosscheck import crosscheck_markdown, muc4_crosscheck, re3d_crosscheck
from toll.training.corpus.files import load_annotation_dir, load_standoff_dir
from toll.training.corpus.project import load_all_documents, load_project_corpus
from toll.training.corpus.real_sources import standoff_text
from toll.training.corpus.report import agreement, agreement_differences, agreement_markdown, corpus_statistics


def run_stats(args: argparse.Namespace) -> int:
    """Corpus statistics per split."""
    schema = Schema.load(args.schema)
    data = DataConfig(corpus=args.corpus, splits=args.splits, seeds=args.seeds, standoff=args.standoff)
    corpus = load_project_corpus(data, schema)
    text = corpus_statistics(corpus.splits, schema)
    if corpus.skipped:
        text += f"\n\n{len(corpus.skipped)} standoff document(s) not counted: their dataset is not on this machine."
    print(text)
    if args.update:
        update_block(Path(args.update), "stats", text)
    return 0


def run_agreement(args: argparse.Namespace) -> int:
    """Agreement between two independent annotation passes; 1 when a pass has problems."""
    schema = Schema.load(args.schema)
    problems: list = []
    first = _load_pass(Path(args.first), problems)
    second = _load_pass(Path(args.second), problems)
    for p in problems:
        print(f"problem: {p}", file=sys.stderr)
    result = agreement(first, second, schema)
    text = agreement_markdown(result)
    print(text)
    if args.json:
        print(json.dumps(result, indent=1))
    if args.differences:
        print("\n".join(agreement_differences(first, second)))
    if args.update:
        update_block(Path(args.update), args.block, text)
    return 1 if problems else 0


def _load_pass(directory: Path, problems: list) -> dict:
    """One annotation pass: Label Studio exports, or standoff records joined with their texts."""
    first = next(iter(sorted(directory.glob("*.json"))), None)
    if first is not None and isinstance(json.loads(first.read_text(encoding="utf-8")), dict):
        skipped: dict[str, str] = {}
        docs = load_standoff_dir(directory, standoff_text, problems, skipped)
        if skipped:
            raise CorpusError(f"{directory}: {len(skipped)} record(s) without their text: {next(iter(skipped.values()))}")
        return docs
    return load_annotation_dir(directory, problems)


def run_crosscheck(args: argparse.Namespace) -> int:
    """The real annotations against MUC-4's answer keys and re3d's gold."""
    docs = load_all_documents(args.corpus, args.standoff, [], {})
    text = crosscheck_markdown(muc4_crosscheck(docs), re3d_crosscheck(docs))
    print(text)
    if args.update:
        update_block(Path(args.update), "crosscheck", text)
    return 0
