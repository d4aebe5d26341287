"""Casualty records: each casualty span with its count and the texts of its linked entities,
plus a document-level view that groups restatements and keeps conflicting figures side by side.

>>> from models.document import Document, Entity, Relation
>>> from models.schema import Schema
>>> text = "Gunmen killed at least 12 people, police said. The 12 people were buried."
>>> doc = Document("d", text, (Entity("a1", 0, 6, "ACTOR"), Entity("c1", 14, 32, "KILLED"),
...     Entity("s1", 34, 40, "SOURCE"), Entity("c2", 47, 60, "KILLED")),
...     (Relation("c1", "a1", "perpetrator"), Relation("c1", "s1", "source")))
>>> recs = casualty_records(doc, Schema.load())
>>> recs[0]["count"], recs[0]["victim"], recs[0]["perpetrators"], recs[0]["sources"]
({'value': 12, 'low': 12, 'high': None, 'qualifier': 'at_least'}, 'people', ['Gunmen'], ['police'])
>>> [t["mentions"] for t in toll_groups(recs)]
[['c1'], ['c2']]
"""

from __future__ import annotations

from collections import defaultdict

from models.counts import normalize_count, victim_text
from models.document import Document
from models.schema import Schema
from models.sentences import sentence_index

SLOTS = {"perpetrator": "perpetrators", "source": "sources", "location": "locations",
         "date": "dates", "weapon": "weapons"}


def casualty_records(doc: Document, schema: Schema, sentences: list[tuple[int, int]] | None = None) -> list[dict]:
    """One record per casualty span, in text order; with ``sentences`` each record carries the
    sentence it stands in."""
    entities = doc.entity_map()
    linked: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for r in sorted(doc.relations, key=lambda r: entities[r.tail].start if r.tail in entities else 0):
        if r.tail in entities and r.label in SLOTS:
            linked[r.head][SLOTS[r.label]].append(doc.span_text(entities[r.tail]))
    records = []
    for e in doc.sorted_entities():
        kind = schema.casualty_kind(e.label)
        if kind is None:
            continue
        text = doc.span_text(e)
        record = {"type": kind, "count": normalize_count(text), "entity": e.id, "text": text,
                  "start": e.start, "end": e.end, "victim": victim_text(text)}
        if e.score is not None:
            record["score"] = e.score
        if sentences is not None:
            i = sentence_index(sentences, e.start)
            record["sentence"] = doc.text[min(sentences[i][0], e.start):max(sentences[i][1], e.end)] if sentences else text
        for slot in SLOTS.values():
            record[slot] = list(linked[e.id][slot])
        records.append(record)
    return records


def _victim_key(victim: str) -> str:
    words = [w for w in victim.lower().replace(",", " ").split() if w not in {"the", "of", "others", "more"}]
    return " ".join(words)


def toll_groups(records: list[dict]) -> list[dict]:
    """Group figures restating the same toll (same type, count and victim); within each type and
    victim, mark groups whose counts differ as ``conflicting`` (with their sources), never merged."""
    groups: dict[tuple, dict] = {}
    for rec in records:
        key = (rec["type"], rec["count"]["value"], rec["count"]["qualifier"], _victim_key(rec["victim"]))
        g = groups.setdefault(key, {"type": rec["type"], "count": rec["count"], "victim": rec["victim"],
                                    "mentions": [], "sources": [], "conflicts_with": []})
        g["mentions"].append(rec["entity"])
        g["sources"] += [s for s in rec["sources"] if s not in g["sources"]]
    by_victim: dict[tuple, list[dict]] = defaultdict(list)
    for (kind, value, _, victim), g in groups.items():
        if value is not None and victim:
            by_victim[(kind, victim)].append(g)
    for same in by_victim.values():
        if len({g["count"]["value"] for g in same}) > 1:
            for g in same:
                g["conflicts_with"] = [m for other in same if other is not g for m in other["mentions"][:1]]
    return list(groups.values())
