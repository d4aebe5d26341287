"""The error log: the model's casualty errors counted by category, with examples.

Categories (each error gets exactly one, the first rule that fits):

- **false figure**, a predicted casualty span that overlaps no gold casualty span, by what the text
  around it says: ``arrest or capture`` (arrested, captured, detained, kidnapped, abducted, seized,
  surrendered, missing), ``negation or zero`` (no one, nobody, none, no casualties, unharmed),
  ``threat or hypothetical`` (could, would, threatened, plan, feared), ``count of things`` (the span
  names attacks, vehicles, weapons, buildings, strikes), ``number that is not a count`` (a year,
  an age, a time, a date), ``marked as another label`` (the gold has an ACTOR/SOURCE/... span there),
  else ``other``;
- **missed figure**, a gold casualty span no predicted one overlaps, by its form: ``no number``
  ("a soldier", "the mayor"), ``vague quantity`` (dozens, several, many), ``all capitals``
  (wire copy), ``number word``, ``digits``;
- **wrong count** and **wrong type** on figures found (overlapping spans);
- **missing link** and **wrong link**, for the perpetrator and source relations of found figures,
  by the distance in sentences between the figure and the gold (or predicted) tail.

``error_log(gold, pred, schema)`` returns the counts and up to ``EXAMPLES`` examples per category;
a document that may not be committed (standoff) is shown by offsets only.

>>> from toll.models.text.document import Document, Entity
>>> from toll.models.text.schema import Schema
>>> text = "Police arrested three men. Two soldiers died."
>>> gold = Document("d", text, (Entity("g", 27, 39, "KILLED"),), (), {"data": {}})
>>> pred = Document("d", text, (Entity("p", 16, 25, "KILLED"),), (), {"data": {}})
>>> log = error_log([gold], [pred], Schema.load())
>>> log["counts"]["false figure: arrest or capture"], log["counts"]["missed figure: number word"]
(1, 1)
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict

from toll.models.counts import normalize_count
from toll.models.text.document import Document
from toll.models.text.schema import Schema
from toll.models.text.sentences import sentence_index, sentence_spans

EXAMPLES = 3
CUES = (
    ("arrest or capture", r"arrest|captur|detain|detention|kidnap|abduct|seiz|surrender|custody|missing|hostage"),
    ("negation or zero", r"\bno one\b|\bnobody\b|\bnone\b|\bno casualt|\bunharmed\b|\bno injur|\bno deaths?\b|\bnot hurt"),
    ("threat or hypothetical", r"\bcould\b|\bwould\b|\bthreat|\bplann?|\bfear|\bmay\b|\bmight\b|\bwarn"),
)
THINGS = r"attack|vehicle|car|truck|tank|rocket|missile|bomb|strike|building|house|weapon|rifle|round|shell|plane"
NOT_COUNT = r"^(19|20)\d\d$|year|aged|age\b|o'clock|\d:\d\d|\ba\.?m\.?|\bp\.?m\.?|january|february|march|april|june|july|august|september|october|november|december"
VAGUE = r"dozens|several|many|scores|hundreds|thousands|some|numerous|few"


def _sentence_of(spans, pos: int) -> int:
    return sentence_index(spans, pos) if spans else 0


def _false_kind(doc: Document, gold: Document, e, sentences) -> str:
    s, t = sentences[_sentence_of(sentences, e.start)] if sentences else (0, len(doc.text))
    sentence = doc.text[s:t].lower()
    span = doc.span_text(e).lower()
    for name, pattern in CUES:
        if re.search(pattern, sentence):
            return name
    if re.search(THINGS, span):
        return "count of things"
    if re.search(NOT_COUNT, span):
        return "number that is not a count"
    if any(g.overlaps(e) for g in gold.entities):
        return "marked as another label"
    return "other"


NUMBER_WORD = (r"\b(one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|"
               r"sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety|"
               r"hundred|thousand|million|dozen)")


def _missed_kind(doc: Document, e) -> str:
    span = doc.span_text(e)
    if span.isupper() and len(span) > 3:
        return "all capitals"
    if re.search(VAGUE, span.lower()):
        return "vague quantity"
    if re.search(r"\d", span):
        return "digits"
    return "number word" if re.search(NUMBER_WORD, span.lower()) else "no number"


def _shown(doc: Document, start: int, end: int) -> str:
    if "standoff" in doc.meta.get("data", {}):
        return f"({start}-{end}, standoff text)"
    return doc.text[start:end]


def error_log(gold: list[Document], pred: list[Document], schema: Schema) -> dict:
    casualty = set(schema.casualty_labels)
    counts: Counter = Counter()
    examples: dict[str, list[dict]] = defaultdict(list)

    def add(category: str, doc: Document, start: int, end: int, note: str = "") -> None:
        counts[category] += 1
        if len(examples[category]) < EXAMPLES:
            sentences = sentence_spans(doc.text)
            s, t = sentences[_sentence_of(sentences, start)] if sentences else (0, len(doc.text))
            examples[category].append({"doc": doc.id, "span": _shown(doc, start, end),
                                       "sentence": _shown(doc, s, t), "note": note})

    for g, p in zip(gold, pred):
        sentences = sentence_spans(g.text)
        g_fig = [e for e in g.entities if e.label in casualty]
        p_fig = [e for e in p.entities if e.label in casualty]
        pairs = [(a, b) for a in g_fig for b in p_fig if a.overlaps(b)]
        for b in p_fig:
            if not any(b.overlaps(a) for a in g_fig):
                add(f"false figure: {_false_kind(p, g, b, sentences)}", p, b.start, b.end)
        for a in g_fig:
            if not any(a.overlaps(b) for b in p_fig):
                add(f"missed figure: {_missed_kind(g, a)}", g, a.start, a.end)
        for a, b in pairs:
            if a.label != b.label:
                add("wrong type", g, a.start, a.end, f"{a.label} read as {b.label}")
            ga, pb = normalize_count(g.span_text(a)), normalize_count(p.span_text(b))
            if ga != pb:
                add("wrong count", g, a.start, a.end, f"{_count_text(ga)} read as {_count_text(pb)}")
        _links(g, p, pairs, sentences, add)
    ordered = dict(sorted(counts.items(), key=lambda kv: (kv[0].split(":")[0], -kv[1])))
    return {"counts": ordered, "examples": dict(examples)}


def _count_text(c: dict) -> str:
    return str(c.get("value") if c.get("value") is not None else (c.get("low"), c.get("high")))


def _links(g: Document, p: Document, pairs, sentences, add) -> None:
    """Missing and wrong perpetrator/source links of found figures, by sentence distance."""
    g_ent, p_ent = g.entity_map(), p.entity_map()
    for a, b in pairs:
        for label in ("perpetrator", "source"):
            gold_tails = [g_ent[r.tail] for r in g.relations if r.head == a.id and r.label == label]
            pred_tails = [p_ent[r.tail] for r in p.relations if r.head == b.id and r.label == label]
            for t in gold_tails:
                if not any(t.overlaps(x) for x in pred_tails):
                    d = abs(_sentence_of(sentences, t.start) - _sentence_of(sentences, a.start))
                    add(f"missing link: {label}, {_distance(d)}", g, t.start, t.end, "gold tail")
            for x in pred_tails:
                if not any(x.overlaps(t) for t in gold_tails):
                    d = abs(_sentence_of(sentences, x.start) - _sentence_of(sentences, b.start))
                    add(f"wrong link: {label}, {_distance(d)}", p, x.start, x.end, "predicted tail")


def _distance(d: int) -> str:
    return "same sentence" if d == 0 else ("1 sentence away" if d == 1 else f"{d} sentences away")
