"""``toll-data batch make|check|import|standoff``: annotation batches of real text.

``make`` samples items nobody has annotated yet (``--again``: any item, for a blind second pass)
into ``runs/annotate/NAME/todo/``; the annotator writes ``done/<id>.md``; ``check`` validates
those, ``import`` brings them into the corpus and ``standoff`` writes them as an annotation pass
without the text.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from toll.models.common.errors import CorpusError
from toll.models.text.schema import Schema
from toll.training.corpus import annotation_batches as batches
from toll.training.corpus import real_sources


def run_batch(args: argparse.Namespace) -> int:
    """One batch action (``args.action``) on ``args.target``; 1 when items have problems."""
    schema = Schema.load(args.schema)
    if args.action == "make":
        items = [i for i in real_sources.all_items() if i.origin.startswith(args.origin)]
        if args.ids:
            wanted = set(Path(args.ids).read_text(encoding="utf-8").split())
            items = [i for i in items if i.id in wanted]
        exclude = set() if args.again else annotated_ids(args)
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


def annotated_ids(args: argparse.Namespace) -> set[str]:
    """Articles in the corpus, in the standoff records, or in any batch made before.

    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     (Path(tmp) / "corpus").mkdir(); (Path(tmp) / "b1").mkdir()
    ...     _ = (Path(tmp) / "corpus" / "kano.json").write_text("[]")
    ...     _ = (Path(tmp) / "b1" / "items.jsonl").write_text('{"id": "wiki-7"}\\n')
    ...     sorted(annotated_ids(argparse.Namespace(corpus=f"{tmp}/corpus", standoff=f"{tmp}/none", batches=tmp)))
    ['kano', 'wiki-7']
    """
    ids = {p.stem for p in Path(args.corpus).glob("*.json")} | {p.stem for p in Path(args.standoff).glob("*.json")}
    for other in Path(args.batches).glob("*/items.jsonl"):
        ids |= {json.loads(line)["id"] for line in other.read_text(encoding="utf-8").splitlines() if line}
    return ids
