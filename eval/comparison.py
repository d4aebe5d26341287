"""The trained model beside the baselines on the same documents, with paired bootstrap differences.

Each baseline (:mod:`toll.eval.baselines`) predicts the documents the model was evaluated on; for each
score, :func:`toll.eval.paired.paired_f1_difference` resamples documents once for both systems.
"""

from __future__ import annotations

from toll.eval.baselines.run import make_baseline
from toll.eval.evaluate import Evaluation, evaluate
from toll.eval.paired import paired_f1_difference
from toll.models.text.schema import Schema
from toll.models.scoring import exact_counts, relation_total


def _per_doc(gold, pred, casualty: set[str]) -> dict[str, list[tuple[int, int, int]]]:
    relations = [relation_total(g, p) for g, p in zip(gold, pred)]
    return {
        "entities exact F1": [exact_counts(g, p) for g, p in zip(gold, pred)],
        "casualty spans F1": [exact_counts(g, p, casualty) for g, p in zip(gold, pred)],
        "relations end to end F1": relations,
    }


def compare_baselines(model: Evaluation, names: list[str], schema: Schema, samples: int = 1000) -> dict:
    """``{baseline: {"scores": {metric: F1}, "paired": {metric: difference dict}}}``."""
    casualty = set(schema.casualty_labels)
    mine = _per_doc(model.gold, model.predicted, casualty)
    out = {}
    for name in names:
        baseline = evaluate(make_baseline(name), model.gold, bootstrap_samples=10)
        theirs = _per_doc(baseline.gold, baseline.predicted, casualty)
        scores = {"entities exact F1": baseline.metrics["confidence_intervals"]["entity_exact_f1"]["f1"],
                  "casualty spans F1": baseline.metrics["casualty_spans"]["f1"],
                  "relations end to end F1": baseline.metrics["relations_end_to_end"]["micro"]["f1"]}
        paired = {k: paired_f1_difference(mine[k], theirs[k], n=samples) for k in mine}
        out[name] = {"scores": scores, "paired": paired}
    return out
