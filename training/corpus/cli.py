"""``toll-data``: corpus tools (check, stats, split, agreement, import hand-written markup).

    toll-data check [--config configs/default.yaml]
    toll-data import-markup FILE...        # inline markup -> seeds/ + data/corpus/
    toll-data show ARTICLE_ID              # print an annotated article as inline markup
    toll-data crosscheck [--update data/README.md]  # against MUC-4 keys and re3d gold
    toll-data rank PILE --model DIR --select 20 --out next.jsonl   # what to annotate next
    toll-data split                        # put new articles into train (--to dev|test)
    toll-data split --rebuild-real --note  # the real-text splits, a new version
    toll-data stats [--update data/README.md]
    toll-data agreement [--update data/README.md]
    toll-data batch make NAME --origin wikipedia_current_events --count 100   # real text to annotate
    toll-data batch check runs/annotate/NAME
    toll-data batch import runs/annotate/NAME
    toll-data batch standoff runs/annotate/NAME --out DIR [--ids FILE]  # a pass for the agreement study
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from toll.models.common.errors import CorpusError, run_command
from toll.models.text.inline import to_inline
from toll.models.text.schema import Schema
from toll.models.text.studio_format import read_documents


def _cmd_import(args: argparse.Namespace) -> int:
    from toll.training.corpus.authoring import import_markup

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
    from toll.models.common.atomic import atomic_write_text
    from toll.training.corpus.files import load_annotation_dir
    from toll.training.corpus.splits import add_new_articles, dumps_splits, split_file, stale_checksums

    path = Path(args.splits)
    content = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {"version": 1, "note": ""}
    stale = stale_checksums(content) if "checksums" in content else []
    if stale:
        raise CorpusError(f"{path}: the {', '.join(stale)} split(s) no longer match their checksums: dev and test "
                          f"change only through `toll-data split --rebuild-real` (a new version); restore them "
                          f"from git")
    if args.rebuild_real:
        return _rebuild_real(args, content, path)
    lists = {k: v for k, v in content.items() if isinstance(v, list)}
    problems: list = []
    ids = list(load_annotation_dir(args.corpus, problems)) + [p.stem for p in Path(args.standoff).glob("*.json")]
    new = add_new_articles(lists, ids, to=args.to)
    note = content.get("note", "")
    atomic_write_text(path, dumps_splits(split_file(lists, content.get("version", 1), note)))
    print(f"{len(new)} new article(s) -> {args.to}; " + ", ".join(f"{k} {len(v)}" for k, v in lists.items())
          + f" -> {path}")
    return 0


def _rebuild_real(args: argparse.Namespace, content: dict, path: Path) -> int:
    from toll.models.common.atomic import atomic_write_text
    from toll.training.corpus.project import load_all_documents
    from toll.training.corpus.real_splits import real_splits
    from toll.training.corpus.splits import dumps_splits, split_file

    problems: list = []
    skipped: dict[str, str] = {}
    docs = load_all_documents(args.corpus, args.standoff, problems, skipped)
    if skipped:
        raise CorpusError(f"the rebuild needs every standoff text: {next(iter(skipped.values()))}")
    written_test = set(content.get("test", [])) | set(content.get("test_written", []))
    written_test = {a for a in written_test if a in docs and docs[a].meta.get("data", {}).get("written_for_project")}
    pinned = {a: "test" for a in args.test if a in docs}
    splits = real_splits(docs.values(), Schema.load(args.schema), written_test, seed=args.seed, pinned=pinned)
    version = int(content.get("version", 1)) + 1
    atomic_write_text(path, dumps_splits(split_file(splits, version, args.note)))
    print(f"version {version}: " + ", ".join(f"{k} {len(v)}" for k, v in splits.items()) + f" -> {path}")
    return 0


def _cmd_stats(args: argparse.Namespace) -> int:
    from toll.training.config import DataConfig
    from toll.training.corpus.report import corpus_statistics, update_block
    from toll.training.corpus.project import load_project_corpus

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


def _cmd_agreement(args: argparse.Namespace) -> int:
    import json

    from toll.training.corpus.report import agreement, agreement_markdown, update_block

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
        from toll.training.corpus.report import agreement_differences

        print("\n".join(agreement_differences(first, second)))
    if args.update:
        update_block(Path(args.update), args.block, text)
    return 1 if problems else 0


def _load_pass(directory: Path, problems: list) -> dict:
    """One annotation pass: Label Studio exports, or standoff records joined with their texts."""
    from toll.training.corpus.files import load_annotation_dir, load_standoff_dir
    from toll.training.corpus.real_sources import standoff_text

    first = next(iter(sorted(directory.glob("*.json"))), None)
    if first is not None and isinstance(json.loads(first.read_text(encoding="utf-8")), dict):
        skipped: dict[str, str] = {}
        docs = load_standoff_dir(directory, standoff_text, problems, skipped)
        if skipped:
            raise CorpusError(f"{directory}: {len(skipped)} record(s) without their text: {next(iter(skipped.values()))}")
        return docs
    return load_annotation_dir(directory, problems)


def _annotated_ids(args: argparse.Namespace) -> set[str]:
    ids = {p.stem for p in Path(args.corpus).glob("*.json")} | {p.stem for p in Path(args.standoff).glob("*.json")}
    for other in Path(args.batches).glob("*/items.jsonl"):
        ids |= {json.loads(line)["id"] for line in other.read_text(encoding="utf-8").splitlines() if line}
    return ids


def _cmd_batch(args: argparse.Namespace) -> int:
    from toll.training.corpus import annotation_batches as batches
    from toll.training.corpus import real_sources

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
    if args.action == "standoff":
        if not args.out:
            raise CorpusError("batch standoff needs --out DIR")
        wanted = set(Path(args.ids).read_text(encoding="utf-8").split()) if args.ids else None
        written, problems = batches.export_standoff(folder, schema, Path(args.out), wanted)
        for p in problems:
            print(f"problem: {p}", file=sys.stderr)
        print(f"{len(written)} standoff record(s) -> {args.out}")
        return 1 if problems else 0
    imported, problems = batches.import_batch(folder, schema, Path(args.corpus), Path(args.seeds), Path(args.standoff))
    for p in problems:
        print(f"problem: {p}", file=sys.stderr)
    print(f"imported {len(imported)} item(s); {len(problems)} problem(s)")
    return 1 if problems else 0


def _cmd_crosscheck(args: argparse.Namespace) -> int:
    from toll.training.corpus.report import update_block
    from toll.training.corpus.crosscheck import crosscheck_markdown, muc4_crosscheck, re3d_crosscheck
    from toll.training.corpus.project import load_all_documents

    docs = load_all_documents(args.corpus, args.standoff, [], {})
    text = crosscheck_markdown(muc4_crosscheck(docs), re3d_crosscheck(docs))
    print(text)
    if args.update:
        update_block(Path(args.update), "crosscheck", text)
    return 0


def _cmd_rank(args: argparse.Namespace) -> int:
    from toll.models.inference.inputs import InputOptions, InputReport, read_inputs
    from toll.models.inference.pipeline import Pipeline
    from toll.training.corpus.active_learning import rank

    report = InputReport()
    docs = list(read_inputs(args.pile, InputOptions(text_column=args.text_column), report))
    exclude = {p.stem for p in Path(args.corpus).glob("*.json")} | {p.stem for p in Path(args.standoff).glob("*.json")}
    docs = [d for d in docs if d.id not in exclude]
    if not docs:
        raise CorpusError(f"no unannotated article in {', '.join(args.pile)}")
    picked = rank(Pipeline.from_pretrained(args.model), [d.text for d in docs], args.select, args.diversity)
    lines = [json.dumps({"id": docs[i].id, "text": docs[i].text, "uncertainty": round(score, 4)}, ensure_ascii=False)
             for i, score in picked]
    for i, score in picked:
        print(f"{score:.4f}  {docs[i].id}")
    if args.out:
        from toll.models.common.atomic import atomic_write_text

        atomic_write_text(Path(args.out), "\n".join(lines) + "\n")
        print(f"{len(lines)} article(s) -> {args.out} (push them with toll-studio push {args.out})")
    return 0


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
    split = sub.add_parser("split", help="put new articles into a split (train unless --to says otherwise)")
    split.add_argument("--corpus", default="data/corpus")
    split.add_argument("--standoff", default="data/standoff")
    split.add_argument("--splits", default="data/splits.json")
    split.add_argument("--to", default="train", choices=("train", "dev", "test"),
                       help="the split new articles join (default train: dev and test never change silently)")
    split.add_argument("--rebuild-real", action="store_true",
                       help="rebuild every split (a new version): real text only in dev and test, one incident "
                            "per split; the old written test split becomes test_written")
    split.add_argument("--note", default="", help="--rebuild-real: what the new version is")
    split.add_argument("--seed", type=int, default=0)
    split.add_argument("--test", nargs="*", default=["000_7115594e92608c01"],
                       help="--rebuild-real: articles pinned to the test split (default: the seed article)")
    split.add_argument("--schema", default=None)
    split.set_defaults(func=_cmd_split)
    stats = sub.add_parser("stats", help="corpus statistics per split (Markdown)")
    stats.add_argument("--corpus", default="data/corpus")
    stats.add_argument("--splits", default="data/splits.json")
    stats.add_argument("--seeds", default="seeds")
    stats.add_argument("--standoff", default="data/standoff")
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
    agree.add_argument("--block", default="agreement", help="the block's name in that file")
    agree.set_defaults(func=_cmd_agreement)
    batch = sub.add_parser("batch", help="annotation batches of real text (make, check, import)")
    batch.add_argument("action", choices=("make", "check", "import", "standoff"))
    batch.add_argument("target", help="make: the new batch's name; check/import: the batch folder")
    batch.add_argument("--origin", default="wikipedia_current_events",
                       help="make: wikinews, wikipedia_current_events, wikipedia_incident_lists, re3d[/SUBSET], muc4")
    batch.add_argument("--count", type=int, default=50)
    batch.add_argument("--seed", type=int, default=0)
    batch.add_argument("--ids", help="make, standoff: a file of item ids to take")
    batch.add_argument("--out", help="standoff: the folder for the records (an annotation pass, no text)")
    batch.add_argument("--again", action="store_true",
                       help="make: allow items annotated before (a blind second pass for the agreement study)")
    batch.add_argument("--batches", default="runs/annotate")
    batch.add_argument("--corpus", default="data/corpus")
    batch.add_argument("--seeds", default="seeds")
    batch.add_argument("--standoff", default="data/standoff")
    batch.add_argument("--schema", default=None)
    batch.set_defaults(func=_cmd_batch)
    cross = sub.add_parser("crosscheck", help="compare the real annotations with MUC-4's keys and re3d's gold")
    cross.add_argument("--corpus", default="data/corpus")
    cross.add_argument("--standoff", default="data/standoff")
    cross.add_argument("--update", help="rewrite the crosscheck block of this Markdown file (data/README.md)")
    cross.set_defaults(func=_cmd_crosscheck)
    rank_cmd = sub.add_parser("rank", help="pick the N unannotated articles most worth annotating next")
    rank_cmd.add_argument("pile", nargs="+", help=".txt files, folders, .jsonl or .csv, as toll-predict reads them")
    rank_cmd.add_argument("--model", required=True)
    rank_cmd.add_argument("--select", type=int, default=20, help="how many articles (default 20)")
    rank_cmd.add_argument("--diversity", type=float, default=0.5,
                          help="weight of dissimilarity to the articles already picked (0: uncertainty only)")
    rank_cmd.add_argument("--text-column", default="text")
    rank_cmd.add_argument("--corpus", default="data/corpus", help="articles already annotated here are left out")
    rank_cmd.add_argument("--standoff", default="data/standoff")
    rank_cmd.add_argument("--out", help="write the picked articles as JSONL (id, text, uncertainty)")
    rank_cmd.set_defaults(func=_cmd_rank)
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
