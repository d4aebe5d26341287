"""The real texts the corpus may annotate, one :class:`RealItem` each, read from the datasets folder.

Three origins (each folder's ``SOURCE.txt`` gives its licence):

- ``realnews``: Wikinews articles and Wikipedia items (``wikinews``, ``wikipedia_current_events``,
  ``wikipedia_incident_lists``); committable with attribution.
- ``re3d``: the documents of every subset; committable with attribution except ``BBC Online``.
- ``muc4``: the FBIS wire stories of the original MUC-3/4 distribution
  (``data/muc/raw_files/muc34/TASK/CORPORA/<folder>/``), train (``dev``) and dev (``tst1``,
  ``tst2``) folders only: the test folders are never read. Never committable.

An item that may not be committed is annotated as standoff: offsets plus its dataset, document id and
the SHA-256 of its text (:mod:`toll.models.text.standoff`); the text is joined at run time.

>>> item_id("wikinews", "wikinews-Car_bomb_kills_dozens,_Afghanistan")
'wikinews-car_bomb_kills_dozens_afghanistan'
>>> item_id("muc4", "DEV-MUC3-0001")
'muc4-dev-muc3-0001'
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterator

from toll.models.common.errors import CorpusError
from toll.models.text.standoff import sha256
from toll.training.corpus.readers.locate import dataset_root

REALNEWS_FILES = ("wikinews", "wikipedia_current_events", "wikipedia_incident_lists")
RE3D_NOT_COMMITTABLE = {"BBC Online"}
# Each re3d subset's licence, from its LICENSE and ATTRIBUTION files.
RE3D_LICENCES = {
    "Australian Department of Foreign Affairs": "CC BY 3.0 AU (Australian Department of Foreign Affairs, via re3d, Dstl)",
    "BBC Online": "CC BY-NC 3.0 (BBC Online, via re3d, Dstl): never committed",
    "CENTCOM": "US public domain (U.S. Central Command, via re3d, Dstl)",
    "Delegation of the European Union to Syria": "EEAS legal notice, reuse with attribution (via re3d, Dstl)",
    "UK Government": "Open Government Licence v3.0 (gov.uk, via re3d, Dstl)",
    "US State Department": "US public domain (U.S. Department of State, via re3d, Dstl)",
    "Wikipedia": "CC BY-SA 3.0 (Wikipedia contributors, via re3d, Dstl)",
}
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
        return sha256(self.text)


def clean_text(text: str) -> str:
    """A dataset text as the corpus holds it: no leading blank lines, no trailing whitespace.

    >>> clean_text("\\n   SAN SALVADOR, 3 JAN 90 -- [TEXT] ...  \\n")
    '   SAN SALVADOR, 3 JAN 90 -- [TEXT] ...'
    """
    return text.strip("\n").rstrip()


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
        licence = RE3D_LICENCES.get(folder.name, f"see {folder / 'LICENSE'}")
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


@lru_cache(maxsize=None)
def _muc4_text_index() -> dict[str, str]:
    return {docid: text for docid, (_, text) in muc4_texts().items()}


@lru_cache(maxsize=None)
def _re3d_text_index() -> dict[str, str]:
    return {item.source_id: item.text for item in re3d_items()}


@lru_cache(maxsize=None)
def _realnews_text_index() -> dict[str, str]:
    return {item.source_id: item.text for item in realnews_items()}


def standoff_text(record: dict[str, Any]) -> str:
    """The text a standoff record annotates, read from the datasets folder (:mod:`toll.models.text.standoff`
    checks its hash). Raises CorpusError naming what is missing."""
    dataset, source_id = record.get("dataset", ""), record.get("source_id", "")
    if dataset == "muc4":
        index = _muc4_text_index()
    elif dataset.startswith("re3d/"):
        index = _re3d_text_index()
    elif dataset in REALNEWS_FILES:
        index = _realnews_text_index()
    else:
        raise CorpusError(f"standoff record {record.get('id')!r}: unknown dataset {dataset!r}")
    if source_id not in index:
        raise CorpusError(f"{dataset}: document {source_id!r} not found")
    return index[source_id]
