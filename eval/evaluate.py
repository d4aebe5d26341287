"""Run a model over annotated documents and compute every score the report shows."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Iterator, Protocol

from toll.eval.bootstrap import bootstrap_f1
from toll.eval.breakdown import by_kind, false_figures
from toll.eval.errors import error_log
from toll.eval.link_diagnosis import diagnose
from toll.eval.calibration import calibration_metrics
from toll.eval.casualties import casualty_scores
from toll.eval.entities import confusion, entity_scores
from toll.eval.relations import relation_scores, reachable_share
from toll.models.text.document import Document
from toll.models.inference.records import Prediction
from toll.models.text.schema import Schema
from toll.models.scoring import exact_counts, prf, relation_total
from toll.models.text.sentences import sentence_index, sentence_spans


class Predictor(Protocol):
    """What :func:`evaluate` needs: :class:`toll.models.inference.pipeline.Pipeline`, or a baseline
    (:mod:`toll.eval.baselines`) with the same batch interface."""

    schema: Schema

    def predict_documents(self, docs: Iterable[Document], chunk_size: int = 64, min_score: float | None = None,
                          entities_given: bool = False) -> Iterator[Prediction]: ...


@dataclass
class Evaluation:
    metrics: dict
    gold: list[Document]
    predicted: list[Document]


def evaluate(pipeline: Predictor, gold: list[Document], bootstrap_samples: int = 1000,
             diagnose_links: bool = False) -> Evaluation:
    """Every score of the report; ``diagnose_links`` adds the link diagnosis (two more relation
    passes, so only the report asks for it, not the benchmarks)."""
    schema = pipeline.schema
    labels = list(schema.entity_labels)
    pred = [p.document for p in pipeline.predict_documents(d.without_annotations() for d in gold)]
    on_gold = [p.document for p in pipeline.predict_documents(
        (d.with_annotations(d.entities, ()) for d in gold), entities_given=True)]
    casualty_set = set(schema.casualty_labels)
    metrics = {
        "articles": len(gold),
        "entities": entity_scores(gold, pred, labels),
        "casualty_spans": _casualty_span_scores(gold, pred, casualty_set),
        "relations_gold_entities": relation_scores(gold, on_gold, list(schema.relation_labels)),
        "relations_end_to_end": relation_scores(gold, pred, list(schema.relation_labels)),
        "relations_reachable": reachable_share(gold, pred),
        "casualty_records": casualty_scores(gold, pred, schema),
        "by_kind": by_kind(gold, pred, schema.casualty_labels),
        "false_figures": false_figures(gold, pred, schema.casualty_labels),
        "error_log": error_log(gold, pred, schema),
        "confusion": confusion(gold, pred, labels),
        "calibration": calibration_metrics(gold, pred, bootstrap_samples),
        "confidence_intervals": {
            "entity_exact_f1": bootstrap_f1([exact_counts(g, p) for g, p in zip(gold, pred)], bootstrap_samples),
            "casualty_span_f1": bootstrap_f1([exact_counts(g, p, casualty_set) for g, p in zip(gold, pred)],
                                             bootstrap_samples),
            "relation_end_to_end_f1": bootstrap_f1(
                [relation_total(g, p) for g, p in zip(gold, pred)], bootstrap_samples),
        },
        "worst_errors": worst_errors(gold, pred),
    }
    thresholds = getattr(pipeline, "thresholds", None)  # a baseline has none
    if thresholds is not None:
        metrics["decision_thresholds"] = {"entity": thresholds.entity, "relation": thresholds.relation}
    calibration = getattr(pipeline, "calibration", None)
    if calibration is not None:
        metrics["calibration"]["scores"] = (f"calibrated on {calibration.fitted_on}" if not calibration.is_identity
                                            else "raw (no calibration.json)")
    if diagnose_links and hasattr(pipeline, "relation_classifier"):  # a baseline has no relation network
        metrics["link_diagnosis"] = diagnose(pipeline, gold, pred)
    return Evaluation(metrics, gold, pred)


def _casualty_span_scores(gold, pred, casualty_set) -> dict:
    tp = fp = fn = 0
    for g, p in zip(gold, pred):
        a, b, c = exact_counts(g, p, casualty_set)
        tp, fp, fn = tp + a, fp + b, fn + c
    return prf(tp, fp, fn)


def worst_errors(gold: list[Document], pred: list[Document], limit: int = 30) -> list[dict]:
    """Confident false positives and missed casualty figures first, with their sentences."""
    rows = []
    for g, p in zip(gold, pred):
        sentences = sentence_spans(g.text)
        gold_spans = {(e.start, e.end, e.label): e for e in g.entities}
        pred_spans = {(e.start, e.end, e.label): e for e in p.entities}

        # a text that may not be committed (MUC-4, BBC Online) is shown by offsets only
        hidden = "standoff" in g.meta.get("data", {})

        def sentence(start):
            if not sentences:
                return ""
            s, e = sentences[sentence_index(sentences, start)]
            return f"(standoff text, characters {s}-{e})" if hidden else g.text[s:e]

        def shown(doc, e):
            return f"({e.start}-{e.end})" if hidden else doc.span_text(e)

        for key, e in pred_spans.items():
            if key not in gold_spans:
                gold_over = [f"{shown(g, x)} ({x.label})" for x in g.entities if x.overlaps(e)]
                rows.append({"doc": g.id, "kind": "false positive", "label": e.label, "text": shown(p, e),
                             "score": e.score or 0.0, "gold": "; ".join(gold_over) or "-",
                             "sentence": sentence(e.start), "_rank": (e.score or 0.0)})
        for key, e in gold_spans.items():
            if key not in pred_spans:
                pred_over = [f"{shown(p, x)} ({x.label})" for x in p.entities if x.overlaps(e)]
                weight = 1.5 if e.label in {"KILLED", "INJURED", "CASUALTIES"} else 1.0
                rows.append({"doc": g.id, "kind": "missed", "label": e.label, "text": shown(g, e),
                             "score": None, "gold": "; ".join(pred_over) or "-",
                             "sentence": sentence(e.start), "_rank": weight})
    rows.sort(key=lambda r: (-r["_rank"], r["doc"], r["text"]))
    for r in rows:
        del r["_rank"]
    return rows[:limit]
