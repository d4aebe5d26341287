"""``toll-data split``: new articles join a split; ``--rebuild-real`` makes a new version of all of them.

Dev and test never change silently: a splits file whose dev or test list no longer matches its
checksum is refused, and only ``--rebuild-real`` (which raises the version) rewrites them.

>>> import tempfile
>>> from argparse import Namespace
>>> from toll.models.text.document import Document
>>> from toll.models.text.studio_format import document_to_task, dumps_tasks
>>> task = document_to_task(Document("kano", "Two died.", meta={"data": {"article_id": "kano"}}), 1)
>>> with tempfile.TemporaryDirectory() as tmp:
...     (Path(tmp) / "corpus").mkdir()
...     _ = (Path(tmp) / "corpus" / "kano.json").write_text(dumps_tasks([task]))
...     args = Namespace(splits=f"{tmp}/splits.json", corpus=f"{tmp}/corpus", standoff=f"{tmp}/standoff",
...                      to="train", rebuild_real=False)
...     run_split(args)  # doctest: +ELLIPSIS
...     json.loads((Path(tmp) / "splits.json").read_text())["train"]
1 new article(s) -> train; train 1 -> .../splits.json
0
['kano']
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from toll.models.common.atomic import atomic_write_text
from toll.models.common.errors import CorpusError
from toll.models.text.schema import Schema
from toll.training.corpus.files import load_annotation_dir
from toll.training.corpus.project import load_all_documents
from toll.training.corpus.real_splits import real_splits
from toll.training.corpus.splits import add_new_articles, dumps_splits, split_file, stale_checksums


def run_split(args: argparse.Namespace) -> int:
    """Add the articles no split names yet to ``args.to``, or rebuild every split (``--rebuild-real``)."""
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
