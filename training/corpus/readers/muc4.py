"""MUC-4 as Documents: ConfliBERT's role fillers (here), and the phrase matching both MUC-4 readers use.

Download: the MUC-3/4 texts and answer keys via https://github.com/xinyadu/gtt (``data/muc``);
ConfliBERT's split via https://github.com/eventdata/ConfliBERT (``data/muc4``). FBIS news of
1989-90, mostly UPPERCASE.

**Role fillers** (:func:`read_conflibert_muc4`): ``<split>.json`` maps a doc id to ``{"doc": text,
"roles": {role: [[mention, coreferent mention, ...], ...]}}`` with GTT's five roles
(``perp_individual_id`` -> PerpInd, ``perp_organization_id`` -> PerpOrg, ``phys_tgt_id`` -> Target,
``hum_tgt_name`` -> Victim, ``incident_instrument_id`` -> Weapon). Fillers carry no offsets:
every occurrence of every mention is marked (case-insensitive, any whitespace between words, whole
words); overlapping occurrences keep the longer one. ``meta["fills"]`` counts found and not
found fillers per label; ``meta["not_found"]`` lists the missing ones.

**Casualties from the keys** are :mod:`toll.training.corpus.readers.muc4_keys`.

>>> doc = role_filler_document("d1", "GUERRILLAS OF THE FMLN ATTACKED. THE FMLN DENIED IT.",
...                            {"perp_organization_id": [["FMLN"]], "hum_tgt_name": [["JESUITS"]]}, "test.json")
>>> [(e.label, doc.span_text(e)) for e in doc.entities], doc.meta["fills"]
([('PerpOrg', 'FMLN'), ('PerpOrg', 'FMLN')], {'PerpOrg': {'found': 1}, 'Victim': {'not_found': 1}})
"""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path
from typing import Any

from toll.models.common.errors import CorpusError
from toll.models.text.document import Document, Entity
from toll.training.corpus.readers.mapping import default_mapping

ROLES = {"perp_individual_id": "PerpInd", "perp_organization_id": "PerpOrg",
         "phys_tgt_id": "Target", "hum_tgt_name": "Victim", "incident_instrument_id": "Weapon"}
# GTT / ConfliBERT split of the MUC folders.
SPLITS = {"train": ("dev",), "dev": ("tst1", "tst2"), "test": ("tst3", "tst4")}


def phrase_pattern(phrase: str) -> re.Pattern[str]:
    """Whole words, any whitespace between them, any case.

    >>> phrase_pattern("ENRIQUE LOPEZ ALBUJAR").search("GENERAL ENRIQUE LOPEZ\\nALBUJAR WAS").span()
    (8, 29)
    """
    words = phrase.split()
    return re.compile(r"(?<!\w)" + r"\s+".join(re.escape(w) for w in words) + r"(?!\w)", re.I)


def find_all(text: str, phrase: str, after: int = 0) -> list[tuple[int, int]]:
    """Every occurrence of ``phrase`` (:func:`phrase_pattern`) from character ``after`` on."""
    if not phrase.strip():
        return []
    return [m.span() for m in phrase_pattern(phrase).finditer(text, after)]


def _read_json(path: Path) -> Any:
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except FileNotFoundError:
        raise CorpusError(f"{path}: not found") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise CorpusError(f"{path}: cannot read: {exc}") from None


def role_filler_document(
    doc_id: str, text: str, roles: dict[str, list[list[str]]], where: str
) -> Document:
    """Every occurrence of every filler mention, longer occurrences first where they overlap."""
    candidates: list[tuple[int, int, str]] = []
    fills: dict[str, Counter] = {}
    not_found: list[tuple[str, str]] = []
    for role, fillers in roles.items():
        if role not in ROLES or not isinstance(fillers, list):
            raise CorpusError(f"{where}: {doc_id}: unknown role {role!r} or fillers not a list")
        label = ROLES[role]
        for mentions in fillers:
            if not isinstance(mentions, list) or not all(isinstance(m, str) for m in mentions):
                raise CorpusError(f"{where}: {doc_id}: {role} filler {mentions!r} is not a list of strings")
            spans = {s for m in mentions for s in find_all(text, m)}
            fills.setdefault(label, Counter())["found" if spans else "not_found"] += 1
            if not spans:
                not_found.append((label, mentions[0] if mentions else ""))
            candidates += [(s, e, label) for s, e in spans]
    kept: list[tuple[int, int, str]] = []
    for s, e, label in sorted(set(candidates), key=lambda c: (c[0] - c[1], c[0], c[2])):
        if all(e <= ks or ke <= s for ks, ke, _ in kept):
            kept.append((s, e, label))
    entities = tuple(Entity(f"T{i}", s, e, label) for i, (s, e, label) in enumerate(sorted(kept), 1))
    meta = {"corpus": "muc4-conflibert", "fills": {k: dict(v) for k, v in fills.items()},
            "not_found": not_found, "overlaps_dropped": len(set(candidates)) - len(kept)}
    return Document(doc_id, text, entities, (), meta)


def read_conflibert_muc4(root: str | Path, split: str) -> list[Document]:
    """ConfliBERT's MUC-4 ``split`` (train/dev/test); ``root`` is the ``conflibert`` folder."""
    if split not in SPLITS:
        raise ValueError(f"split must be one of {tuple(SPLITS)}, not {split!r}")
    path = Path(root) / "data" / "muc4" / f"{split}.json"
    data = _read_json(path)
    if not isinstance(data, dict):
        raise CorpusError(f"{path}: expected {{doc id: {{doc, roles}}}}")
    annotated = list(default_mapping("muc4").annotated_labels)
    docs = []
    for doc_id, record in data.items():
        if not isinstance(record, dict) or not isinstance(record.get("doc"), str):
            raise CorpusError(f"{path}: {doc_id}: expected {{'doc': text, 'roles': {{...}}}}")
        doc = role_filler_document(doc_id, record["doc"], record.get("roles", {}), str(path))
        doc.meta.update(split=split, annotated_labels=annotated)
        docs.append(doc)
    return docs
