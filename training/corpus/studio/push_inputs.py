"""What ``toll-studio push`` sends: articles named by their files, standoff articles, the corpus by article id.

An article read from a ``.txt`` file is named by its file (:func:`file_article_id`); standoff
records (MUC-4, BBC) push with their texts joined from the datasets; the corpus annotations of
articles already annotated go with them (:mod:`toll.training.corpus.studio.push` plans and sends).

>>> import tempfile
>>> with tempfile.TemporaryDirectory() as tmp:
...     record = Path(tmp) / "muc4-dev-0001.json"
...     _ = record.write_text('{"id": "muc4-dev-0001", "sha256": "0a3f"}')
...     is_standoff_input(record), is_standoff_input(Path(tmp)), is_standoff_input(Path(tmp) / "kano.txt")
(True, True, False)
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from collections import defaultdict
from dataclasses import replace
from pathlib import Path
from typing import Iterable

from toll.models.text.document import Document
from toll.training.corpus.files import load_annotation_dir, load_standoff_dir, read_standoff_file
from toll.training.corpus.project import load_all_documents
from toll.training.corpus.real_sources import standoff_text

MAX_FILE_ID = 120


def file_article_id(name: str) -> str:
    """The article id of a file named ``name`` (without ``.txt``): lowercase ASCII letters and
    digits, ``-`` kept, every other run of characters one ``_``; a name with no letter or digit
    of that kind gets ``article-`` and a hash of the name.

    >>> file_article_id("Kunduz attack (1)"), file_article_id("031_saada_market-airstrike")
    ('kunduz_attack_1', '031_saada_market-airstrike')
    >>> file_article_id("Überfall in Kundus, 2. Tag"), file_article_id("هجوم")
    ('uberfall_in_kundus_2_tag', 'article-0a3fae90fb')
    """
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    slug = re.sub(r"[^a-z0-9-]+", "_", ascii_name).strip("_-")[:MAX_FILE_ID].strip("_-")
    if slug:
        return slug
    return "article-" + hashlib.sha256(name.encode()).hexdigest()[:10]


def name_file_articles(docs: Iterable[Document]) -> tuple[list[Document], list[str]]:
    """Articles read from ``.txt`` files get :func:`file_article_id` of their file name; two files
    that give one id are both refused, naming the files. Other articles (JSONL, CSV) keep their id.

    >>> docs = [Document("a/Kunduz attack (1)", "x", meta={"path": "a/Kunduz attack (1).txt"}),
    ...         Document("b/kunduz_attack_1", "y", meta={"path": "b/kunduz_attack_1.txt"}),
    ...         Document("Row 7", "z")]
    >>> named, problems = name_file_articles(docs)
    >>> [d.id for d in named], problems
    (['Row 7'], ["a/Kunduz attack (1).txt and b/kunduz_attack_1.txt both give article id 'kunduz_attack_1'; rename one (neither is pushed)"])
    """
    docs = list(docs)
    ids = [file_article_id(Path(d.meta["path"]).stem) if "path" in d.meta else d.id for d in docs]
    files: dict[str, list[str]] = defaultdict(list)
    for doc, article_id in zip(docs, ids):
        if "path" in doc.meta:
            files[article_id].append(doc.meta["path"])
    problems = [f"{' and '.join(paths)} both give article id {article_id!r}; rename one (neither is pushed)"
                for article_id, paths in files.items() if len(paths) > 1]
    named = [replace(doc, id=article_id) for doc, article_id in zip(docs, ids)
             if len(files.get(article_id, ())) < 2 or "path" not in doc.meta]
    return named, problems


def is_standoff_input(path: Path) -> bool:
    """A standoff record file, or a folder of them (``data/standoff``)."""
    files = sorted(path.glob("*.json"))[:1] if path.is_dir() else [path] if path.suffix == ".json" else []
    try:
        return bool(files) and "sha256" in json.loads(files[0].read_text(encoding="utf-8"))
    except (OSError, ValueError, TypeError):
        return False


def read_standoff_articles(path: Path) -> tuple[list[Document], list[str]]:
    """Standoff articles with their texts joined from the datasets (problems name what is missing)."""
    problems: list = []
    skipped: dict[str, str] = {}
    if path.is_dir():
        docs = list(load_standoff_dir(path, standoff_text, problems, skipped).values())
    else:
        doc = read_standoff_file(path, standoff_text, problems, skipped)
        docs = [doc] if doc is not None else []
    return docs, [str(p) for p in problems] + [f"{a}: not pushed: {why}" for a, why in skipped.items()]


def load_corpus(folder: Path, standoff: Path | None = None) -> dict[str, Document | None]:
    """The corpus annotations by article id; None for an article whose file has any problem
    (such an article is not pushed: half an annotation would come back as the whole one).
    ``standoff`` adds the standoff records whose texts are on this machine."""
    problems: list = []
    docs = (load_all_documents(folder, standoff, problems, {}) if standoff is not None
            else load_annotation_dir(folder, problems))
    bad_paths = {p.where.split(": ", 1)[0] for p in problems}
    corpus: dict[str, Document | None] = {
        article_id: None if doc.meta.get("path") in bad_paths else doc for article_id, doc in docs.items()}
    for path in bad_paths:
        corpus.setdefault(Path(path).stem, None)
    return corpus
