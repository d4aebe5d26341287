"""``toll-data``: corpus tools (check, stats, split, agreement, import hand-written markup).

    toll-data check [--config configs/default.yaml]
    toll-data import-markup FILE...        # inline markup -> seeds/ + data/corpus/
    toll-data show ARTICLE_ID              # print an annotated article as inline markup
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from models.errors import TollError
from models.inline import to_inline
from models.schema import Schema
from models.studio_format import read_documents


def _cmd_import(args: argparse.Namespace) -> int:
    from training.authoring import import_markup

    schema = Schema.load(args.schema)
    written, problems = import_markup(
        [Path(p) for p in args.files], Path(args.seeds), Path(args.corpus), schema
    )
    for p in problems:
        print(f"problem: {p}", file=sys.stderr)
    print(f"imported {len(written)} article(s); {len(problems)} problem(s)")
    return 1 if problems else 0


def _cmd_show(args: argparse.Namespace) -> int:
    path = Path(args.corpus) / f"{args.article}.json"
    for doc in read_documents(path):
        print(to_inline(doc, with_front_matter=True))
    return 0


def _cmd_split(args: argparse.Namespace) -> int:
    import json

    from models.atomic import atomic_write_text
    from models.corpus import load_annotation_dir
    from training.splits import assign_splits, dumps_splits

    problems: list = []
    docs = list(load_annotation_dir(args.corpus, problems).values())
    path = Path(args.splits)
    existing = {} if args.reshuffle or not path.exists() else json.loads(path.read_text())
    present = {d.id for d in docs}
    existing = {k: [a for a in v if a in present] for k, v in existing.items()}
    forced = {a: "test" for a in args.test}
    splits = assign_splits(docs, existing, seed=args.seed, forced=forced)
    atomic_write_text(path, dumps_splits(splits))
    print(", ".join(f"{k} {len(v)}" for k, v in splits.items()) + f" articles -> {path}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="toll-data", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    imp = sub.add_parser("import-markup", help="import hand-written articles in inline markup")
    imp.add_argument("files", nargs="+")
    imp.add_argument("--seeds", default="seeds")
    imp.add_argument("--corpus", default="data/corpus")
    imp.add_argument("--schema", default=None)
    imp.set_defaults(func=_cmd_import)
    split = sub.add_parser("split", help="assign articles to train/dev/test (stratified)")
    split.add_argument("--corpus", default="data/corpus")
    split.add_argument("--splits", default="data/splits.json")
    split.add_argument("--seed", type=int, default=0)
    split.add_argument("--test", nargs="*", default=["000_7115594e92608c01"],
                       help="articles pinned to the test split (default: the seed article)")
    split.add_argument("--reshuffle", action="store_true", help="ignore the existing split file")
    split.set_defaults(func=_cmd_split)
    show = sub.add_parser("show", help="print an annotated article as inline markup")
    show.add_argument("article")
    show.add_argument("--corpus", default="data/corpus")
    show.set_defaults(func=_cmd_show)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except TollError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
