"""The split file: which article is in which split, and the rule that dev and test never change silently.

``data/splits.json`` holds a ``version``, a ``note``, the ``checksums`` of the dev, test and
test_written id lists, and the lists themselves. New articles (a Label Studio pull, an imported
batch) go to train unless asked otherwise, and existing assignments are never moved: only a rebuild
(:mod:`toll.training.corpus.real_splits`, a new version) changes dev or test, and a hand edit of those lists
no longer matches its checksum (``tests/test_splits.py`` fails on it).

>>> splits = {"train": ["a"], "dev": ["b"], "test": ["c"]}
>>> add_new_articles(splits, ["a", "b", "c", "d"])
['d']
>>> splits["train"]
['a', 'd']
>>> add_new_articles(splits, ["e"], to="dev")
['e']
>>> splits["dev"]
['b', 'e']
"""

from __future__ import annotations

import json
from typing import Iterable

from toll.training.corpus.real_splits import checksum

FROZEN = ("dev", "test", "test_written")


def add_new_articles(splits: dict[str, list[str]], article_ids: Iterable[str], to: str = "train") -> list[str]:
    """Put every article that is in no split into ``to``; returns the ids added."""
    placed = {a for ids in splits.values() for a in ids}
    new = sorted(set(article_ids) - placed)
    splits[to] = sorted(splits.get(to, []) + new)
    return new


def split_file(splits: dict[str, list[str]], version: int, note: str) -> dict:
    """The split file's content, with the checksums of the frozen splits."""
    lists = {name: sorted(ids) for name, ids in splits.items()}
    checks = {name: checksum(lists[name]) for name in FROZEN if name in lists}
    return {"version": version, "note": note, "checksums": checks, **lists}


def dumps_splits(content: dict) -> str:
    return json.dumps(content, indent=1) + "\n"


def stale_checksums(content: dict) -> list[str]:
    """The frozen splits whose ids no longer match their recorded checksum.

    >>> content = split_file({"train": ["a"], "dev": ["b"], "test": ["c"]}, 2, "")
    >>> stale_checksums(content)
    []
    >>> content["test"].append("a")
    >>> stale_checksums(content)
    ['test']
    """
    recorded = content.get("checksums", {})
    return [name for name in FROZEN if name in content and recorded.get(name) != checksum(content[name])]
