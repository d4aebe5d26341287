"""Entity scores: seqeval strict IOB2 on words, and nervaluate-style span matching on characters.

Words come from a fixed regular expression (letters/digits runs and single punctuation marks),
not from the model's tokenizer, so scores of models with different tokenizers are comparable.

>>> from toll.models.text.document import Document, Entity
>>> gold = [Document("d", "Gunmen killed two guards.", (Entity("c", 14, 24, "KILLED"),))]
>>> pred = [Document("d", "Gunmen killed two guards.", (Entity("c", 18, 24, "KILLED"),))]
>>> s = entity_scores(gold, pred, ["KILLED"])
>>> s["seqeval"]["micro"]["f1"], s["spans"]["partial"]["f1"], s["spans"]["strict"]["f1"]
(0.0, 0.5, 0.0)
"""

from __future__ import annotations

import re

from toll.models.text.alignment import TokenizedText, word_tags
from toll.models.text.document import Document
from toll.models.scoring import exact_counts, prf, strict_entity_scores

_WORD = re.compile(r"\w+|[^\w\s]")


def regex_words(text: str) -> TokenizedText:
    spans = [(m.start(), m.end()) for m in _WORD.finditer(text)]
    return TokenizedText(text, [], [], [], spans, list(range(len(spans))))


def word_tag_sequences(docs: list[Document]) -> list[list[str]]:
    return [word_tags(regex_words(d.text), d.entities)[0] for d in docs]


def _nervaluate(gold: list[Document], pred: list[Document], labels: list[str]) -> dict:
    from nervaluate import Evaluator

    def spans(docs):  # nervaluate wants inclusive ends
        return [[{"label": e.label, "start": e.start, "end": e.end - 1} for e in d.entities] for d in docs]

    results = Evaluator(spans(gold), spans(pred), tags=labels).evaluate()
    def clean(r):
        return {"precision": round(float(r.precision), 4), "recall": round(float(r.recall), 4),
                "f1": round(float(r.f1), 4),
                "correct": r.correct, "incorrect": r.incorrect, "partial": r.partial,
                "missed": r.missed, "spurious": r.spurious}
    return {mode: clean(r) for mode, r in results["overall"].items()}


def entity_scores(gold: list[Document], pred: list[Document], labels: list[str]) -> dict:
    seqeval = strict_entity_scores(word_tag_sequences(gold), word_tag_sequences(pred))
    per_label_exact = {}
    for label in labels:
        tp = fp = fn = 0
        for g, p in zip(gold, pred):
            a, b, c = exact_counts(g, p, {label})
            tp, fp, fn = tp + a, fp + b, fn + c
        per_label_exact[label] = prf(tp, fp, fn)
    return {"seqeval": seqeval, "spans": _nervaluate(gold, pred, labels), "per_label_exact": per_label_exact}


def confusion(gold: list[Document], pred: list[Document], labels: list[str]) -> dict[str, dict[str, int]]:
    """Counts of (gold label -> predicted label) over overlapping spans, with ``(missed)`` and
    ``(spurious)`` for spans that overlap nothing on the other side."""
    rows = [*labels, "(spurious)"]
    cols = [*labels, "(missed)"]
    table = {r: {c: 0 for c in cols} for r in rows}
    for g, p in zip(gold, pred):
        matched_pred = set()
        for ge in g.entities:
            overlaps = [pe for pe in p.entities if pe.overlaps(ge)]
            if not overlaps:
                table[ge.label]["(missed)"] += 1
                continue
            best = max(overlaps, key=lambda pe: min(pe.end, ge.end) - max(pe.start, ge.start))
            table[ge.label][best.label] += 1
            matched_pred.add(best.id)
        for pe in p.entities:
            if pe.id not in matched_pred and not any(pe.overlaps(ge) for ge in g.entities):
                table["(spurious)"][pe.label] += 1
    return table
