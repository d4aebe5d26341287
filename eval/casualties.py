"""Casualty-record scores: matched figures, count agreement, killed/injured type, slot F1.

A predicted casualty span *matches* a gold one when they overlap (any casualty label): the count
is then compared between the two spans' normalized counts (so a missed "at least" shows), the
type is compared, and each slot (perpetrators, sources, locations) is compared as a set of
linked entity texts (case-insensitive).
"""

from __future__ import annotations

from toll.models.text.document import Document
from toll.models.inference.records import casualty_records
from toll.models.text.schema import Schema
from toll.models.scoring import prf

SCORED_SLOTS = ("perpetrators", "sources", "locations", "dates", "weapons")


def match_records(gold: list[dict], pred: list[dict]) -> list[tuple[dict, dict]]:
    """Greedy one-to-one matching of overlapping casualty spans, largest overlap first."""
    pairs = []
    for g in gold:
        for p in pred:
            overlap = min(g["end"], p["end"]) - max(g["start"], p["start"])
            if overlap > 0:
                pairs.append((overlap, g["entity"], p["entity"], g, p))
    used_g, used_p, out = set(), set(), []
    for _, gid, pid, g, p in sorted(pairs, key=lambda x: -x[0]):
        if gid not in used_g and pid not in used_p:
            used_g.add(gid)
            used_p.add(pid)
            out.append((g, p))
    return out


def casualty_doc_counts(gold: Document, pred: Document, schema: Schema) -> dict:
    g_recs, p_recs = casualty_records(gold, schema), casualty_records(pred, schema)
    pairs = match_records(g_recs, p_recs)
    counts = {"gold": len(g_recs), "pred": len(p_recs), "matched": len(pairs),
              "count_equal": sum(g["count"] == p["count"] for g, p in pairs),
              "type_equal": sum(g["type"] == p["type"] for g, p in pairs)}
    matched_g = {g["entity"] for g, _ in pairs}
    matched_p = {p["entity"] for _, p in pairs}
    for slot in SCORED_SLOTS:
        tp = fp = fn = 0
        for g, p in pairs:
            gs = {x.lower() for x in g[slot]}
            ps = {x.lower() for x in p[slot]}
            tp, fp, fn = tp + len(gs & ps), fp + len(ps - gs), fn + len(gs - ps)
        fn += sum(len(g[slot]) for g in g_recs if g["entity"] not in matched_g)
        fp += sum(len(p[slot]) for p in p_recs if p["entity"] not in matched_p)
        counts[slot] = (tp, fp, fn)
    return counts


def casualty_scores(gold: list[Document], pred: list[Document], schema: Schema) -> dict:
    total: dict = {}
    for g, p in zip(gold, pred):
        for key, value in casualty_doc_counts(g, p, schema).items():
            if isinstance(value, tuple):
                prev = total.get(key, (0, 0, 0))
                total[key] = tuple(a + b for a, b in zip(prev, value))
            else:
                total[key] = total.get(key, 0) + value
    matched = total.get("matched", 0)
    return {
        "figures": prf(matched, total.get("pred", 0) - matched, total.get("gold", 0) - matched),
        "count_exact_match": round(total.get("count_equal", 0) / matched, 4) if matched else 0.0,
        "type_accuracy": round(total.get("type_equal", 0) / matched, 4) if matched else 0.0,
        "matched_figures": matched,
        "slots": {slot: prf(*total.get(slot, (0, 0, 0))) for slot in SCORED_SLOTS},
    }
