"""What a prediction returns: the document with its entities and relations, and its casualty
records (:class:`Prediction`, one output record per document). A casualty record is each casualty
span with its count and the texts of its linked entities; beside them a document-level view groups
restatements and marks conflicting figures with a shared ``conflict_group`` id.

>>> from toll.models.text.document import Document, Entity, Relation
>>> from toll.models.text.schema import Schema
>>> text = "Gunmen killed at least 12 people, police said. The 12 people were buried."
>>> doc = Document("d", text, (Entity("a1", 0, 6, "ACTOR"), Entity("c1", 14, 32, "KILLED"),
...     Entity("s1", 34, 40, "SOURCE"), Entity("c2", 47, 60, "KILLED")),
...     (Relation("c1", "a1", "perpetrator"), Relation("c1", "s1", "source")))
>>> recs = casualty_records(doc, Schema.load())
>>> recs[0]["count"], recs[0]["victim"], recs[0]["perpetrators"], recs[0]["sources"]
({'value': 12, 'low': 12, 'high': None, 'qualifier': 'at_least'}, 'people', ['Gunmen'], ['police'])
>>> [t["mentions"] for t in toll_groups(recs)]
[['c1'], ['c2']]
>>> out = Prediction(doc, recs, toll_groups(recs)).to_record()
>>> out["relations"][0], len(out["casualties"]), len(out["tolls"])
({'head': 'c1', 'tail': 'a1', 'label': 'perpetrator', 'score': 0.0}, 2, 2)
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from toll.models.counts import normalize_count, victim_text
from toll.models.text.document import Document
from toll.models.text.schema import Schema
from toll.models.text.sentences import sentence_index

SLOTS = {"perpetrator": "perpetrators", "source": "sources", "location": "locations",
         "date": "dates", "weapon": "weapons"}


@dataclass
class Prediction:
    """A document with predicted entities and relations, and its casualty records."""

    document: Document
    casualties: list[dict]
    tolls: list[dict]

    def to_record(self) -> dict:
        doc = self.document
        return {
            "id": doc.id,
            "entities": [{"id": e.id, "label": e.label, "start": e.start, "end": e.end,
                          "text": doc.span_text(e), "score": round(e.score or 0.0, 4)}
                         for e in doc.entities],
            "relations": [{"head": r.head, "tail": r.tail, "label": r.label,
                           "score": round(r.score or 0.0, 4)} for r in doc.relations],
            "casualties": self.casualties,
            "tolls": self.tolls,
        }


def casualty_records(doc: Document, schema: Schema, sentences: list[tuple[int, int]] | None = None,
                     convention: str = "literal") -> list[dict]:
    """One record per casualty span, in text order; with ``sentences`` each record carries the
    sentence it stands in. ``convention``: how vague counts read (:mod:`toll.models.counts`)."""
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
        record = {"type": kind, "count": normalize_count(text, convention), "entity": e.id, "text": text,
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
    """Group figures restating the same toll (same type, count and victim). Groups about the same
    victims (same type and victim) whose counts differ share a ``conflict_group`` id (``"C1"``,
    ``"C2"``, ... in text order); a group that conflicts with no other has ``None``. Nothing is
    merged or averaged away, and the output grows linearly with the number of figures.

    >>> def figure(entity, value, victim, source):
    ...     return {"type": "killed", "count": {"value": value, "low": value, "high": value, "qualifier": "exact"},
    ...             "entity": entity, "victim": victim, "sources": [source]}
    >>> tolls = toll_groups([figure("T1", 12, "people", "police"), figure("T2", 15, "people", "the ministry"),
    ...                      figure("T3", 12, "people", "AFP"), figure("T4", 3, "soldiers", "police")])
    >>> [(t["count"]["value"], t["victim"], t["mentions"], t["sources"], t["conflict_group"]) for t in tolls]
    [(12, 'people', ['T1', 'T3'], ['police', 'AFP'], 'C1'), (15, 'people', ['T2'], ['the ministry'], 'C1'),
     (3, 'soldiers', ['T4'], ['police'], None)]
    """
    groups: dict[tuple, dict] = {}
    for rec in records:
        key = (rec["type"], rec["count"]["value"], rec["count"]["qualifier"], _victim_key(rec["victim"]))
        g = groups.setdefault(key, {"type": rec["type"], "count": rec["count"], "victim": rec["victim"],
                                    "mentions": [], "sources": [], "conflict_group": None})
        g["mentions"].append(rec["entity"])
        g["sources"] += [s for s in rec["sources"] if s not in g["sources"]]
    counts: dict[tuple, set] = defaultdict(set)
    for kind, value, _, victim in groups:
        if value is not None and victim:
            counts[(kind, victim)].add(value)
    ids: dict[tuple, str] = {}
    for (kind, value, _, victim), g in groups.items():
        if value is not None and len(counts[(kind, victim)]) > 1:
            g["conflict_group"] = ids.setdefault((kind, victim), f"C{len(ids) + 1}")
    return list(groups.values())
