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


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="toll-data", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    imp = sub.add_parser("import-markup", help="import hand-written articles in inline markup")
    imp.add_argument("files", nargs="+")
    imp.add_argument("--seeds", default="seeds")
    imp.add_argument("--corpus", default="data/corpus")
    imp.add_argument("--schema", default=None)
    imp.set_defaults(func=_cmd_import)
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
