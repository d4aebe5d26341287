"""Tune the decision thresholds on the dev split after training.

Both networks decide by argmax, which trades precision for recall in whatever way the training
data happened to: on the project's dev and test splits the tagger and the relation classifier
both predict more than they should (precision below recall). A score floor, chosen on dev,
moves each to its best F1 there. The entity floor is chosen first (exact-span micro-F1); the
relation floor then on the relations predicted from the entities that floor keeps (end-to-end
micro-F1), since that is how the pipeline runs.

The floors compare the scores the pipeline reports: after training these are calibrated
(:mod:`toll.training.calibration` fits the maps on dev first, then tunes the floors on the
calibrated scores with :func:`entity_threshold` and :func:`relation_threshold`).

Dev is small, so each F1 curve is smoothed over neighbouring thresholds before its best point is
taken, and ties go to the lower threshold (the one that drops less):

>>> best_threshold({0.0: 0.80, 0.05: 0.84, 0.1: 0.85, 0.15: 0.84, 0.2: 0.70, 0.25: 0.90, 0.3: 0.60})
0.1
>>> best_threshold({0.0: 0.5, 0.05: 0.5, 0.1: 0.5})
0.0
"""

from __future__ import annotations

from typing import Sequence

from toll.models.text.document import Document
from toll.models.scoring import exact_counts, prf, relation_counts
from toll.models.inference.thresholds import DecisionThresholds

GRID = tuple(round(0.05 * i, 2) for i in range(19))  # 0.0, 0.05, ..., 0.9


def best_threshold(curve: dict[float, float]) -> float:
    """The threshold whose F1, averaged with its grid neighbours, is highest (the lowest on ties)."""
    points = sorted(curve)
    smoothed = []
    for i, t in enumerate(points):
        window = [curve[points[j]] for j in range(max(0, i - 1), min(len(points), i + 2))]
        smoothed.append((round(sum(window) / len(window), 6), -t))  # rounded: equal curves tie exactly
    return -max(smoothed)[1]


def _entity_f1(gold: Sequence[Document], pred: Sequence[Document], floor: float) -> float:
    totals = [0, 0, 0]
    for g, p in zip(gold, pred):
        kept = p.with_annotations([e for e in p.entities if (e.score or 0.0) >= floor], ())
        for i, n in enumerate(exact_counts(g, kept)):
            totals[i] += n
    return prf(*totals)["f1"]


def _relation_f1(gold: Sequence[Document], pred: Sequence[Document], floor: float) -> float:
    totals = [0, 0, 0]
    for g, p in zip(gold, pred):
        kept = p.with_annotations(p.entities, [r for r in p.relations if (r.score or 0.0) >= floor])
        for counts in relation_counts(g, kept).values():
            for i, n in enumerate(counts):
                totals[i] += n
    return prf(*totals)["f1"]


def entity_threshold(dev_docs: Sequence[Document], tagged: Sequence[Document]) -> tuple[float, dict[float, float]]:
    """The entity floor for the entities of ``tagged`` (predicted at ``min_score=0``), and its F1 curve."""
    curve = {t: _entity_f1(dev_docs, tagged, t) for t in GRID}
    return best_threshold(curve), curve


def relation_threshold(dev_docs: Sequence[Document], related: Sequence[Document]) -> tuple[float, dict[float, float]]:
    """The relation floor for the relations of ``related`` (predicted at ``min_score=0`` from the
    entities the entity floor keeps), and its end-to-end F1 curve."""
    curve = {t: _relation_f1(dev_docs, related, t) for t in GRID}
    return best_threshold(curve), curve


def kept_entities(tagged: Sequence[Document], floor: float) -> list[Document]:
    """The documents with the entities scored at least ``floor`` and no relations (the relation
    classifier's input)."""
    return [p.with_annotations([e for e in p.entities if (e.score or 0.0) >= floor], ()) for p in tagged]


def tuning_report(dev_docs: Sequence[Document], entity_curve: dict, entity: float, relation_curve: dict,
                  relation: float) -> dict:
    """What ``thresholds.json`` and the model card say of the tuning."""
    return {
        "tuned_on": f"dev ({len(dev_docs)} articles)",
        "entity_exact_f1": {"at_zero": entity_curve[0.0], "at_threshold": entity_curve[entity]},
        "relation_end_to_end_f1": {"at_zero": relation_curve[0.0], "at_threshold": relation_curve[relation]},
        "curves": {"entity": entity_curve, "relation": relation_curve},
    }


def tune_thresholds(pipeline, dev_docs: Sequence[Document]) -> tuple[DecisionThresholds, dict]:
    """Thresholds for ``pipeline`` (a :class:`toll.models.inference.pipeline.Pipeline`) from gold ``dev_docs``,
    on the scores it reports, and the dev F1 curves they were read from (for the model card and
    ``thresholds.json``)."""
    tagged = [p.document for p in pipeline.predict_documents(
        (d.without_annotations() for d in dev_docs), min_score=0.0)]
    entity, entity_curve = entity_threshold(dev_docs, tagged)
    related = [p.document for p in pipeline.predict_documents(kept_entities(tagged, entity), min_score=0.0,
                                                              entities_given=True)]
    relation, relation_curve = relation_threshold(dev_docs, related)
    return DecisionThresholds(entity, relation), tuning_report(dev_docs, entity_curve, entity, relation_curve, relation)
