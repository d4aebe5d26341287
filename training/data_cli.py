"""``toll-data``: corpus tools (check, stats, split, agreement, import hand-written markup).

    toll-data check [--config configs/default.yaml]
    toll-data import-markup FILE...        # inline markup -> seeds/ + data/corpus/
    toll-data show ARTICLE_ID              # print an annotated article as inline markup
    toll-data split                        # assign new articles to train/dev/test
    toll-data stats [--update data/README.md]
    toll-data agreement [--update data/README.md]
    toll-data batch make NAME --origin wikipedia_current_events --count 100   # real text to annotate
    toll-data batch check runs/annotate/NAME
    toll-data batch import runs/annotate/NAME
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from models.errors import CorpusError, run_command
from models.inline import to_inline
from models.schema import Schema
from models.studio_format import read_documents


def _cmd_import(args: argparse.Namespace) -> int:
    from training.authoring import import_markup

    schema = Schema.load(args.schema)
    written, problems = import_markup(
        [Path(p) for p in args.files], None if args.no_seeds else Path(args.seeds), Path(args.corpus),
        schema, text_from=Path(args.text_from) if args.text_from else None,
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


def _cmd_stats(args: argparse.Namespace) -> int:
    from models.corpus import load_corpus
    from training.corpus_report import corpus_statistics, update_block

    schema = Schema.load(args.schema)
    corpus = load_corpus(args.corpus, args.splits, schema, args.seeds)
    text = corpus_statistics(corpus.splits, schema)
    print(text)
    if args.update:
        update_block(Path(args.update), "stats", text)
    return 0


def _cmd_agreement(args: argparse.Namespace) -> int:
    import json

    from models.corpus import load_annotation_dir
    from training.corpus_report import agreement, agreement_markdown, update_block

    schema = Schema.load(args.schema)
    problems: list = []
    first = load_annotation_dir(args.first, problems)
    second = load_annotation_dir(args.second, problems)
    for p in problems:
        print(f"problem: {p}", file=sys.stderr)
    result = agreement(first, second, schema)
    text = agreement_markdown(result)
    print(text)
    if args.json:
        print(json.dumps(result, indent=1))
    if args.differences:
        from training.corpus_report import agreement_differences

        print("\n".join(agreement_differences(first, second)))
    if args.update:
        update_block(Path(args.update), "agreement", text)
    return 1 if problems else 0


def _annotated_ids(args: argparse.Namespace) -> set[str]:
    ids = {p.stem for p in Path(args.corpus).glob("*.json")} | {p.stem for p in Path(args.standoff).glob("*.json")}
    for other in Path(args.batches).glob("*/items.jsonl"):
        ids |= {json.loads(line)["id"] for line in other.read_text(encoding="utf-8").splitlines() if line}
    return ids


def _cmd_batch(args: argparse.Namespace) -> int:
    from training import annotation_batches as batches
    from training import real_sources

    schema = Schema.load(args.schema)
    if args.action == "make":
        items = [i for i in real_sources.all_items() if i.origin.startswith(args.origin)]
        if args.ids:
            wanted = set(Path(args.ids).read_text(encoding="utf-8").split())
            items = [i for i in items if i.id in wanted]
        exclude = set() if args.again else _annotated_ids(args)
        picked = batches.sample(items, args.count, args.seed, exclude)
        folder = Path(args.batches) / args.target
        if (folder / "items.jsonl").exists():
            raise CorpusError(f"{folder}: batch exists; pick another name")
        n = batches.make_batch(picked, folder)
        print(f"{n} item(s) from {args.origin} -> {folder}/todo/; annotate into {folder}/done/<id>.md")
        return 0
    folder = Path(args.target)
    if args.action == "check":
        ok, missing, problems = batches.check_batch(folder, schema)
        for p in problems:
            print(f"problem: {p}", file=sys.stderr)
        print(f"{len(ok)} annotated and valid, {len(problems)} problem(s), {len(missing)} not annotated yet")
        return 1 if problems else 0
    imported, problems = batches.import_batch(folder, schema, Path(args.corpus), Path(args.seeds), Path(args.standoff))
    for p in problems:
        print(f"problem: {p}", file=sys.stderr)
    print(f"imported {len(imported)} item(s); {len(problems)} problem(s)")
    return 1 if problems else 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="toll-data", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    imp = sub.add_parser("import-markup", help="import hand-written articles in inline markup")
    imp.add_argument("files", nargs="+")
    imp.add_argument("--seeds", default="seeds")
    imp.add_argument("--corpus", default="data/corpus")
    imp.add_argument("--schema", default=None)
    imp.add_argument("--no-seeds", action="store_true", help="do not write article texts (second annotations)")
    imp.add_argument("--text-from", help="folder whose <id>.txt the markup text must equal")
    imp.set_defaults(func=_cmd_import)
    split = sub.add_parser("split", help="assign articles to train/dev/test (stratified)")
    split.add_argument("--corpus", default="data/corpus")
    split.add_argument("--splits", default="data/splits.json")
    split.add_argument("--seed", type=int, default=0)
    split.add_argument("--test", nargs="*", default=["000_7115594e92608c01"],
                       help="articles pinned to the test split (default: the seed article)")
    split.add_argument("--reshuffle", action="store_true", help="ignore the existing split file")
    split.set_defaults(func=_cmd_split)
    stats = sub.add_parser("stats", help="corpus statistics per split (Markdown)")
    stats.add_argument("--corpus", default="data/corpus")
    stats.add_argument("--splits", default="data/splits.json")
    stats.add_argument("--seeds", default="seeds")
    stats.add_argument("--schema", default=None)
    stats.add_argument("--update", help="rewrite the stats block of this Markdown file (data/README.md)")
    stats.set_defaults(func=_cmd_stats)
    agree = sub.add_parser("agreement", help="agreement between two independent annotation passes")
    agree.add_argument("--first", default="data/agreement/pass1")
    agree.add_argument("--second", default="data/agreement/pass2")
    agree.add_argument("--schema", default=None)
    agree.add_argument("--json", action="store_true")
    agree.add_argument("--differences", action="store_true", help="list the spans only one pass has")
    agree.add_argument("--update", help="rewrite the agreement block of this Markdown file (data/README.md)")
    agree.set_defaults(func=_cmd_agreement)
    batch = sub.add_parser("batch", help="annotation batches of real text (make, check, import)")
    batch.add_argument("action", choices=("make", "check", "import"))
    batch.add_argument("target", help="make: the new batch's name; check/import: the batch folder")
    batch.add_argument("--origin", default="wikipedia_current_events",
                       help="make: wikinews, wikipedia_current_events, wikipedia_incident_lists, re3d[/SUBSET], muc4")
    batch.add_argument("--count", type=int, default=50)
    batch.add_argument("--seed", type=int, default=0)
    batch.add_argument("--ids", help="make: a file of item ids to take (instead of a sample)")
    batch.add_argument("--again", action="store_true",
                       help="make: allow items annotated before (a blind second pass for the agreement study)")
    batch.add_argument("--batches", default="runs/annotate")
    batch.add_argument("--corpus", default="data/corpus")
    batch.add_argument("--seeds", default="seeds")
    batch.add_argument("--standoff", default="data/standoff")
    batch.add_argument("--schema", default=None)
    batch.set_defaults(func=_cmd_batch)
    show = sub.add_parser("show", help="print an annotated article as inline markup")
    show.add_argument("article")
    show.add_argument("--corpus", default="data/corpus")
    show.set_defaults(func=_cmd_show)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return run_command(lambda: args.func(args))


if __name__ == "__main__":
    sys.exit(main())
