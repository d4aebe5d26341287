"""The real-text splits: dev and test hold real reporting only, one incident never straddles two splits.

Items about the same incident (Wikinews, Wikipedia "Current events" and the incident lists repeat
events) are grouped first: two items are one incident when their event dates are at most
``INCIDENT_DAYS`` apart and they name a place in common (their gold LOCATION spans, normalized).
Groups are then dealt out, in a seeded order, to test and dev while every member's stratum (kind of
text x whether it states a casualty figure) is under its quota, and to train otherwise. Written-
for-project articles go to train, except the old written test split, kept as ``test_written``.

>>> import datetime as dt
>>> muc4_date("   SAN SALVADOR, 3 JAN 90 (RADIO VENCEREMOS) -- [TEXT] ...")
datetime.date(1990, 1, 3)
>>> place_key("the Munich-Riem Airport")
'munich-riem airport'
>>> kind({"origin": "wikipedia_incident_lists"}), kind({"origin": "re3d/CENTCOM"}), kind({"written_for_project": True})
('short', 're3d', 'written')
"""

from __future__ import annotations

import datetime as dt
import hashlib
import random
import re
from collections import Counter, defaultdict
from typing import Iterable

from toll.models.text.document import Document
from toll.models.text.schema import Schema

INCIDENT_DAYS = 7
# Shares of each stratum that go to test and dev (the rest trains).
SHARES = {
    "short": {"test": 0.35, "dev": 0.24},
    "wikinews": {"test": 0.30, "dev": 0.20},
    "re3d": {"test": 0.30, "dev": 0.20},
    "muc4": {"test": 0.20, "dev": 0.14},
    "real": {"test": 0.30, "dev": 0.20},
}
_MONTHS = "JAN FEB MAR APR MAY JUN JUL AUG SEP OCT NOV DEC".split()
_DATELINE = re.compile(r"^\s*[A-Z][^,\n]*, (\d{1,2}) ([A-Z]{3})[A-Z]* (\d{2})\b")
_GENERIC_PLACE = {"the city", "the area", "the country", "the region", "the town", "the village", "the province"}


def kind(data: dict) -> str:
    """``written``, ``short`` (one- to three-sentence Wikipedia items), ``wikinews``, ``re3d``,
    ``muc4``, or ``real`` (any other real text, such as the seed article)."""
    if data.get("written_for_project"):
        return "written"
    origin = str(data.get("origin", ""))
    if origin.startswith("wikipedia_"):
        return "short"
    for name in ("wikinews", "re3d", "muc4"):
        if origin.startswith(name):
            return name
    return "real"


def muc4_date(text: str) -> dt.date | None:
    m = _DATELINE.match(text)
    if not m or m.group(2) not in _MONTHS:
        return None
    try:
        return dt.date(1900 + int(m.group(3)), _MONTHS.index(m.group(2)) + 1, int(m.group(1)))
    except ValueError:
        return None


def event_date(doc: Document) -> dt.date | None:
    data = doc.meta.get("data", {})
    if kind(data) == "muc4":
        return muc4_date(doc.text)
    try:
        return dt.date.fromisoformat(str(data.get("date", ""))[:10])
    except ValueError:
        return None


def place_key(text: str) -> str:
    words = text.lower().split()
    if words and words[0] in {"the", "a", "an"}:
        words = words[1:]
    return " ".join(words)


def places(doc: Document) -> set[str]:
    keys = {place_key(doc.span_text(e)) for e in doc.entities if e.label == "LOCATION"}
    return {k for k in keys if len(k) >= 4 and f"the {k}" not in _GENERIC_PLACE}


def incident_groups(docs: list[Document]) -> list[list[str]]:
    """Article ids grouped by incident (union of pairs with close dates and a shared place)."""
    parent = {d.id: d.id for d in docs}

    def find(x: str) -> str:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    by_place: dict[str, list[tuple[dt.date, str]]] = defaultdict(list)
    for doc in docs:
        when = event_date(doc)
        if when is not None:
            for key in places(doc):
                by_place[key].append((when, doc.id))
    for dated in by_place.values():
        dated.sort()
        for (d1, a), (d2, b) in zip(dated, dated[1:]):
            if (d2 - d1).days <= INCIDENT_DAYS:
                parent[find(a)] = find(b)
    groups: dict[str, list[str]] = defaultdict(list)
    for doc in docs:
        groups[find(doc.id)].append(doc.id)
    return sorted(sorted(g) for g in groups.values())


def stratum(doc: Document, casualty_labels: tuple[str, ...]) -> tuple[str, bool]:
    return kind(doc.meta.get("data", {})), any(e.label in casualty_labels for e in doc.entities)


def real_splits(
    docs: Iterable[Document], schema: Schema, written_test: set[str], seed: int = 0,
    pinned: dict[str, str] | None = None,
) -> dict[str, list[str]]:
    """Assign every article: written ones to train (``written_test`` to ``test_written``), real ones
    by incident group to test, dev or train under per-stratum quotas. ``pinned`` fixes some ids."""
    docs = list(docs)
    casualty = schema.casualty_labels
    by_id = {d.id: d for d in docs}
    pinned = dict(pinned or {})
    assignment: dict[str, str] = {}
    real = []
    for doc in docs:
        if doc.id in pinned:
            assignment[doc.id] = pinned[doc.id]
        elif kind(doc.meta.get("data", {})) == "written":
            assignment[doc.id] = "test_written" if doc.id in written_test else "train"
        else:
            real.append(doc)
    sizes = Counter(stratum(d, casualty) for d in real)
    quota = {(s, name): round(SHARES[s[0]][name] * n) for s, n in sizes.items() for name in ("test", "dev")}
    filled: Counter = Counter((stratum(by_id[a], casualty), name) for a, name in assignment.items() if a in by_id
                              and kind(by_id[a].meta.get("data", {})) != "written")
    groups = incident_groups(real)
    random.Random(seed).shuffle(groups)
    for group in groups:
        need = Counter(stratum(by_id[a], casualty) for a in group)
        target = next((name for name in ("test", "dev")
                       if all(filled[(s, name)] + n <= quota[(s, name)] for s, n in need.items())), "train")
        for a in group:
            assignment[a] = target
        for s, n in need.items():
            filled[(s, target)] += n
    names = ("train", "dev", "test", "test_written")
    return {name: sorted(a for a, s in assignment.items() if s == name) for name in names}


def checksum(ids: Iterable[str]) -> str:
    """A short fingerprint of a split's ids, stored in the split file so a hand edit is caught."""
    return hashlib.sha256("\n".join(sorted(ids)).encode()).hexdigest()[:16]
