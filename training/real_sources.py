"""The real texts the corpus may annotate, one :class:`RealItem` each, read from the datasets folder.

Three origins (each folder's ``SOURCE.txt`` gives its licence):

- ``realnews``: Wikinews articles and Wikipedia items (``wikinews``, ``wikipedia_current_events``,
  ``wikipedia_incident_lists``); committable with attribution.
- ``re3d``: the documents of every subset; committable with attribution except ``BBC Online``.
- ``muc4``: the FBIS wire stories of the original MUC-3/4 distribution
  (``data/muc/raw_files/muc34/TASK/CORPORA/<folder>/``), train (``dev``) and dev (``tst1``,
  ``tst2``) folders only: the test folders are never read. Never committable.

An item that may not be committed is annotated as standoff: offsets plus its dataset, document id and
the SHA-256 of its text (:mod:`models.standoff`); the text is joined at run time.

>>> item_id("wikinews", "wikinews-Car_bomb_kills_dozens,_Afghanistan")
'wikinews-car_bomb_kills_dozens_afghanistan'
>>> item_id("muc4", "DEV-MUC3-0001")
'muc4-dev-muc3-0001'
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

from models.errors import CorpusError
from training.readers.locate import dataset_root

REALNEWS_FILES = ("wikinews", "wikipedia_current_events", "wikipedia_incident_lists")
RE3D_NOT_COMMITTABLE = {"BBC Online"}
# GTT / ConfliBERT split of the MUC folders; tst3 and tst4 are the test split and are never read.
MUC4_FOLDERS = {"dev": "train", "tst1": "dev", "tst2": "dev"}
MUC4_HEADER = re.compile(r"^((?:DEV|TST\d)-MUC\d-\d{4})(?: +\([A-Z .]+\))?[ \t]*$", re.MULTILINE)
MAX_ID = 80


@dataclass(frozen=True)
class RealItem:
    """One real text: ``id`` is the corpus id, ``source_id`` the dataset's own id."""

    id: str
    text: str
    origin: str
    source_id: str
    committable: bool
    data: dict[str, Any] = field(default_factory=dict)

    @property
    def sha256(self) -> str:
        return text_sha256(self.text)


def clean_text(text: str) -> str:
    """A dataset text as the corpus holds it: no leading blank lines, no trailing whitespace.

    >>> clean_text("\\n   SAN SALVADOR, 3 JAN 90 -- [TEXT] ...  \\n")
    '   SAN SALVADOR, 3 JAN 90 -- [TEXT] ...'
    """
    return text.strip("\n").rstrip()


def text_sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def item_id(prefix: str, source_id: str) -> str:
    """A corpus id made from a dataset id: lower case, ``[a-z0-9_-]`` only, at most 80 characters."""
    slug = re.sub(r"[^a-z0-9_-]+", "_", source_id.lower()).strip("_")
    slug = re.sub(r"_+", "_", slug)
    if not slug.startswith(prefix):
        slug = f"{prefix}-{slug}"
    return slug[:MAX_ID].rstrip("_-")


def realnews_items(root: Path | None = None) -> Iterator[RealItem]:
    root = root or dataset_root("realnews")
    for name in REALNEWS_FILES:
        path = root / f"{name}.jsonl"
        for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip():
                continue
            try:
                rec = json.loads(line)
                source_id, text = str(rec["id"]), str(rec["text"])
            except (json.JSONDecodeError, KeyError) as exc:
                raise CorpusError(f"{path}:{lineno}: not a realnews item ({exc})") from None
            prefix = "wikinews" if name == "wikinews" else source_id.split("-", 1)[0]
            data = {k: rec.get(k) for k in ("title", "date", "url_or_origin", "licence")}
            yield RealItem(item_id(prefix, source_id), clean_text(text), name, source_id, True, data)


def re3d_items(root: Path | None = None) -> Iterator[RealItem]:
    root = root or dataset_root("re3d")
    for folder in sorted(p for p in root.iterdir() if (p / "documents.json").is_file()):
        licence = (folder / "LICENSE").read_text(encoding="utf-8").strip().splitlines()[0] \
            if (folder / "LICENSE").is_file() else "see re3d"
        for lineno, line in enumerate((folder / "documents.json").read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip():
                continue
            rec = json.loads(line)
            source_id = str(rec["_id"])
            subset = folder.name
            data = {"title": rec.get("title"), "url_or_origin": rec.get("sourceUrl"),
                    "licence": licence, "subset": subset}
            yield RealItem(item_id("re3d", f"{subset}-{source_id[:12]}"), clean_text(rec["text"]), f"re3d/{subset}",
                           source_id, subset not in RE3D_NOT_COMMITTABLE, data)


def muc4_texts(root: Path | None = None) -> dict[str, tuple[str, str]]:
    """``{DOCID: (folder, text)}`` for the train and dev folders; the text follows the id line."""
    root = root or dataset_root("muc4")
    corpora = root / "data" / "muc" / "raw_files" / "muc34" / "TASK" / "CORPORA"
    if not corpora.is_dir():
        raise CorpusError(f"{corpora}: MUC-3/4 corpora folder not found")
    texts: dict[str, tuple[str, str]] = {}
    for folder in MUC4_FOLDERS:
        for path in sorted((corpora / folder).iterdir()):
            raw = path.read_text(encoding="latin-1")
            heads = list(MUC4_HEADER.finditer(raw))
            for head, nxt in zip(heads, heads[1:] + [None]):
                body = raw[head.end(): nxt.start() if nxt else len(raw)]
                texts[head.group(1)] = (folder, clean_text(body))
    return texts


def muc4_items(root: Path | None = None) -> Iterator[RealItem]:
    for docid, (folder, text) in muc4_texts(root).items():
        data = {"title": docid, "url_or_origin": f"MUC-3/4 {folder} corpus, {docid}",
                "licence": "MUC-3/4 (NIST/NRaD distribution); never committed", "muc4_split": MUC4_FOLDERS[folder]}
        yield RealItem(item_id("muc4", docid), text, "muc4", docid, False, data)


def all_items() -> Iterator[RealItem]:
    yield from realnews_items()
    yield from re3d_items()
    yield from muc4_items()
