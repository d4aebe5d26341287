"""Calibrate a model's scores on dev, then tune its decision thresholds on the calibrated scores.

``python -m toll.training.calibration MODEL_DIR [--config CONFIG]`` does it for a trained model
directory (the dev split of the config's corpus; by default the model's own ``config.yaml``) and
rewrites ``calibration.json``, ``thresholds.json``, ``manifest.json``, ``metrics.json`` and the card;
``toll-train`` calls the same :func:`calibrate_model_dir` after training.

Each head gets a non-decreasing map from a prediction's raw score (a span's mean tag probability,
a link's class probability) to the share of predictions so scored that are exactly correct (span
bounds and label; link label and both end spans). It is fitted on every prediction the networks
make on dev (``min_score=0``): entities first; relations on the entities the tuned entity floor
keeps, as the pipeline runs. Two methods are tried, isotonic regression (pool adjacent violators,
piecewise linear between the pooled blocks) and Platt scaling (a logistic regression on the logit
of the score), and the one with the lower expected calibration error over held-out dev articles
(5-fold cross-validation by article, 10 equal-mass bins) is fitted on all of dev. Then the
thresholds are tuned on the calibrated scores (:mod:`toll.training.threshold_tuning`); the report
says which raw score each one is equivalent to and how many dev decisions differ from tuning the
raw scores (the map is monotone, so only the cut can move).

Pool adjacent violators, on a known case (the middle pair violates and is pooled):

>>> pool_adjacent_violators([0.0, 1.0, 0.0, 1.0])
[0.0, 0.5, 0.5, 1.0]

Expected calibration error over equal-mass bins (sorted by score, split into equal counts, ties kept
together):

>>> bins, ece = equal_mass_bins([0.1, 0.2, 0.3, 0.4, 0.6, 0.7, 0.8, 0.9], [0, 0, 1, 0, 1, 0, 1, 1], n_bins=4)
>>> ece, [(b["mean_score"], b["accuracy"]) for b in bins]
(0.15, [(0.15, 0.0), (0.35, 0.5), (0.65, 0.5), (0.85, 1.0)])
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import replace
from pathlib import Path
from typing import Callable, Sequence

import numpy as np

from toll.models.common.atomic import atomic_write_text
from toll.models.common.errors import CorpusError, TollError, run_command
from toll.models.inference.calibration import FILENAME, ScoreCalibration, ScoreMap
from toll.models.inference.integrity import write_manifest
from toll.models.inference.pipeline import Pipeline
from toll.models.inference.thresholds import FILENAME as THRESHOLDS_FILE, DecisionThresholds
from toll.models.text.document import Document
from toll.models.text.schema import Schema
from toll.training.config import load_train_config
from toll.training.corpus.project import load_project_corpus
from toll.training.model_card import render_model_card
from toll.training.threshold_tuning import entity_threshold, kept_entities, relation_threshold, tuning_report

N_BINS = 10
FOLDS = 5


# -- fitting ------------------------------------------------------------------------------------
def pool_adjacent_violators(y: Sequence[float], w: Sequence[float] | None = None) -> list[float]:
    """The non-decreasing sequence closest to ``y`` in weighted least squares (isotonic regression
    of ``y`` on its order): each violating run is replaced by its weighted mean."""
    w = [1.0] * len(y) if w is None else list(w)
    blocks: list[list[float]] = []  # [mean, weight, length]
    for value, weight in zip(y, w):
        block = [float(value), float(weight), 1]
        while blocks and blocks[-1][0] >= block[0]:
            mean, weight_before, length = blocks.pop()
            total = weight_before + block[1]
            block = [(mean * weight_before + block[0] * block[1]) / total, total, length + block[2]]
        blocks.append(block)
    return [mean for mean, _, length in blocks for _ in range(length)]


def fit_isotonic(scores: Sequence[float], correct: Sequence[bool]) -> ScoreMap:
    """Isotonic regression of correctness on score: equal scores are pooled first, then the
    violators; each pooled block becomes the breakpoints at its lowest and highest score.

    >>> fit_isotonic([0.2, 0.4, 0.4, 0.6, 0.9], [0, 1, 0, 0, 1])
    ScoreMap(method='isotonic', x=(0.2, 0.4, 0.6, 0.9), y=(0.0, 0.3333, 0.3333, 1.0), a=1.0, b=0.0)
    """
    s, c = np.asarray(scores, dtype=float), np.asarray(correct, dtype=float)
    if not len(s):
        return ScoreMap()
    unique, inverse = np.unique(s, return_inverse=True)
    weights = np.bincount(inverse)
    fitted = pool_adjacent_violators(np.bincount(inverse, weights=c) / weights, weights)
    x, y = [], []
    for i, (score, value) in enumerate(zip(unique, fitted)):
        first = i == 0 or fitted[i - 1] != value
        last = i == len(unique) - 1 or fitted[i + 1] != value
        if first or last:
            x.append(float(score))
            y.append(round(float(value), 4))
    return ScoreMap("isotonic", x=tuple(x), y=tuple(y))


def fit_platt(scores: Sequence[float], correct: Sequence[bool], iterations: int = 100) -> ScoreMap:
    """Logistic regression of correctness on the logit of the score (Newton's method, halving a
    step that does not lower the loss; a tiny ridge keeps it finite when dev is all correct), ``a``
    kept positive so the map rises.

    >>> m = fit_platt([0.6, 0.7, 0.8, 0.9, 0.95, 0.99], [0, 1, 0, 1, 1, 1])
    >>> m.method, m.a > 0, round(m(0.99), 2) > round(m(0.6), 2)
    ('platt', True, True)
    """
    s, c = np.asarray(scores, dtype=float), np.asarray(correct, dtype=float)
    if not len(s):
        return ScoreMap()
    p = np.clip(s, 1e-6, 1 - 1e-6)
    features = np.stack([np.log(p / (1 - p)), np.ones_like(p)], axis=1)
    ridge = 1e-4 * len(s)

    def loss(params):
        margin = features @ params
        return float(np.sum(np.logaddexp(0.0, margin) - c * margin) + ridge / 2 * params @ params)

    params = np.array([1.0, 0.0])
    current = loss(params)
    for _ in range(iterations):
        q = 0.5 * (1.0 + np.tanh(0.5 * (features @ params)))  # the sigmoid, without overflow
        gradient = features.T @ (q - c) + ridge * params
        hessian = (features * (q * (1 - q))[:, None]).T @ features + ridge * np.eye(2)
        step = np.linalg.solve(hessian, gradient)
        for _ in range(30):
            candidate = params - step
            if loss(candidate) <= current:
                break
            step = step / 2
        else:
            break
        params, before, current = candidate, current, loss(candidate)
        if before - current < 1e-10 * max(1.0, abs(before)):
            break
    return ScoreMap("platt", a=round(max(float(params[0]), 1e-6), 6), b=round(float(params[1]), 6))


FITTERS: dict[str, Callable[[Sequence[float], Sequence[bool]], ScoreMap]] = {
    "isotonic": fit_isotonic, "platt": fit_platt}


# -- measuring ----------------------------------------------------------------------------------
def equal_mass_bins(scores: Sequence[float], correct: Sequence[bool], n_bins: int = N_BINS) -> tuple[list[dict], float]:
    """Reliability bins holding equal numbers of predictions (sorted by score; a bin's end moves up
    past equal scores, so ties share a bin and a bin may be larger, or there fewer bins) and the
    expected calibration error: the count-weighted mean of |mean score - share correct| over them.

    >>> [b["count"] for b in equal_mass_bins([0.2, 0.5, 0.5, 0.5, 0.7, 0.9], [0, 1, 0, 1, 1, 1], n_bins=3)[0]]
    [4, 2]
    """
    s, c = np.asarray(scores, dtype=float), np.asarray(correct, dtype=float)
    if not len(s):
        return [], 0.0
    order = np.argsort(s, kind="stable")
    s, c = s[order], c[order]
    ends = []
    for k in range(1, n_bins):
        end = int(round(k * len(s) / n_bins))
        while 0 < end < len(s) and s[end] == s[end - 1]:
            end += 1
        if 0 < end < len(s) and (not ends or end > ends[-1]):
            ends.append(end)
    bins, ece = [], 0.0
    for lo, hi in zip([0, *ends], [*ends, len(s)]):
        mean_score, accuracy = float(s[lo:hi].mean()), float(c[lo:hi].mean())
        bins.append({"low": round(float(s[lo]), 4), "high": round(float(s[hi - 1]), 4), "count": hi - lo,
                     "mean_score": round(mean_score, 4), "accuracy": round(accuracy, 4)})
        ece += (hi - lo) / len(s) * abs(mean_score - accuracy)
    return bins, round(ece, 4)


def span_outcomes(gold: Sequence[Document], pred: Sequence[Document]) -> list[tuple[list[float], list[bool]]]:
    """Per document, each predicted entity's score and whether a gold entity has its bounds and
    label (a prediction without a score counts as 1.0)."""
    out = []
    for g, p in zip(gold, pred):
        spans = {(e.start, e.end, e.label) for e in g.entities}
        out.append(([1.0 if e.score is None else e.score for e in p.entities],
                    [(e.start, e.end, e.label) in spans for e in p.entities]))
    return out


def link_outcomes(gold: Sequence[Document], pred: Sequence[Document]) -> list[tuple[list[float], list[bool]]]:
    """Per document, each predicted relation's score and whether a gold relation has its label and
    both end spans (bounds and label), as :func:`toll.models.scoring.relation_counts` matches them."""
    out = []
    for g, p in zip(gold, pred):
        links = {_link_key(g, r) for r in g.relations}
        keys = [_link_key(p, r) for r in p.relations]
        out.append(([1.0 if r.score is None else r.score for r in p.relations],
                    [k is not None and k in links for k in keys]))
    return out


def _link_key(doc: Document, relation) -> tuple | None:
    ents = doc.entity_map()
    if relation.head not in ents or relation.tail not in ents:
        return None
    h, t = ents[relation.head], ents[relation.tail]
    return relation.label, h.start, h.end, h.label, t.start, t.end, t.label


def flatten(per_doc: list[tuple[list[float], list[bool]]]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Scores, outcomes and the index of each prediction's document."""
    scores = np.asarray([s for ss, _ in per_doc for s in ss], dtype=float)
    correct = np.asarray([c for _, cc in per_doc for c in cc], dtype=bool)
    doc = np.asarray([i for i, (ss, _) in enumerate(per_doc) for _ in ss], dtype=int)
    return scores, correct, doc


# -- choosing and fitting one head --------------------------------------------------------------
def choose_map(per_doc: list[tuple[list[float], list[bool]]], folds: int = FOLDS, seed: int = 0) -> tuple[ScoreMap, dict]:
    """The map of the method whose held-out ECE is lowest (articles split into ``folds`` folds),
    fitted on all of ``per_doc``, and the numbers it was chosen by. Fewer than two articles with
    predictions leave nothing to hold out: isotonic is fitted unchosen; none, the identity stays."""
    scores, correct, doc = flatten(per_doc)
    report = {"predictions": len(scores), "share_correct": round(float(correct.mean()), 4) if len(scores) else None,
              "raw_ece": equal_mass_bins(scores, correct)[1]}
    docs = np.unique(doc)
    folds = min(folds, len(docs))
    if folds < 2:
        method, report["cross_validation"] = "isotonic", None
    else:
        order = np.random.default_rng(seed).permutation(docs)
        fold_of = np.empty(len(per_doc), dtype=int)
        fold_of[order] = np.arange(len(order)) % folds
        fold = fold_of[doc]
        cv = {"folds": folds, "by": "article", "bins": f"{N_BINS} equal-mass"}
        for name, fit in FITTERS.items():
            held_out = np.empty(len(scores))
            for k in range(folds):
                test = fold == k
                held_out[test] = fit(scores[~test], correct[~test]).apply(scores[test])
            cv[name] = {"ece": equal_mass_bins(held_out, correct)[1],
                        "brier": round(float(np.mean((held_out - correct) ** 2)), 4)}
        method = min(FITTERS, key=lambda m: (cv[m]["ece"], cv[m]["brier"]))
        report["cross_validation"] = cv
    fitted = FITTERS[method](scores, correct)
    report["method"] = fitted.method  # the identity where dev has no prediction to fit on
    report["fitted_ece"] = equal_mass_bins(fitted.apply(scores), correct)[1]
    return fitted, report


def rescored(docs: Sequence[Document], entity: ScoreMap | None = None, relation: ScoreMap | None = None) -> list[Document]:
    """The documents with their entity and/or relation scores mapped (as the pipeline reports them)."""
    def mapped(items, score_map):
        if score_map is None:
            return list(items)
        return [replace(x, score=round(score_map(x.score), 4)) if x.score is not None else x for x in items]
    return [d.with_annotations(mapped(d.entities, entity), mapped(d.relations, relation)) for d in docs]


def _changed_decisions(raw: np.ndarray, raw_floor: float, calibrated: np.ndarray, floor: float) -> int:
    return int(((raw >= raw_floor) != (calibrated >= floor)).sum())


# -- the whole step -----------------------------------------------------------------------------
def calibrate_and_tune(pipeline: Pipeline, dev_docs: Sequence[Document]) -> tuple[ScoreCalibration, DecisionThresholds, dict]:
    """Fit both heads' maps on ``dev_docs`` and tune the thresholds on the calibrated scores;
    ``pipeline`` reports the calibrated scores afterwards. Two passes over dev, as tuning alone."""
    pipeline.use_calibration(ScoreCalibration())  # raw scores: the maps are fitted on them
    fitted_on = f"dev ({len(dev_docs)} articles)"
    tagged = [p.document for p in pipeline.predict_documents(
        (d.without_annotations() for d in dev_docs), min_score=0.0)]
    entity_map, entity_report = choose_map(span_outcomes(dev_docs, tagged))
    tagged_calibrated = rescored(tagged, entity=entity_map)
    entity, entity_curve = entity_threshold(dev_docs, tagged_calibrated)
    related = [p.document for p in pipeline.predict_documents(
        kept_entities(tagged_calibrated, entity), min_score=0.0, entities_given=True)]
    relation_map, relation_report = choose_map(link_outcomes(dev_docs, related))
    related_calibrated = rescored(related, relation=relation_map)
    relation, relation_curve = relation_threshold(dev_docs, related_calibrated)

    # the same tuning on the raw scores, to say whether calibrating moved the cut
    raw_entity, _ = entity_threshold(dev_docs, tagged)
    raw_relation, _ = relation_threshold(dev_docs, related)
    raw_e, _, _ = flatten(span_outcomes(dev_docs, tagged))
    cal_e, _, _ = flatten(span_outcomes(dev_docs, tagged_calibrated))
    raw_r, _, _ = flatten(link_outcomes(dev_docs, related))
    cal_r, _, _ = flatten(link_outcomes(dev_docs, related_calibrated))
    thresholds_report = {
        **tuning_report(dev_docs, entity_curve, entity, relation_curve, relation),
        "scores": f"calibrated ({FILENAME})",
        "raw_equivalent": {"entity": round(entity_map.raw_cut(entity), 4),
                           "relation": round(relation_map.raw_cut(relation), 4)},
        "tuned_on_raw_scores": {
            "entity": raw_entity, "relation": raw_relation,
            "entity_decisions_changed": _changed_decisions(raw_e, raw_entity, cal_e, entity),
            "entity_predictions": len(raw_e),
            "relation_decisions_changed": _changed_decisions(raw_r, raw_relation, cal_r, relation),
            "relation_predictions": len(raw_r)},
    }
    calibration = ScoreCalibration(entity_map, relation_map, fitted_on)
    thresholds = DecisionThresholds(entity, relation)
    pipeline.use_calibration(calibration)
    pipeline.thresholds = thresholds
    return calibration, thresholds, {"calibration": {"fitted_on": fitted_on, "entity": entity_report,
                                                     "relation": relation_report},
                                     "thresholds": thresholds_report}


def calibrate_model_dir(model_dir: str | Path, dev_docs: Sequence[Document]) -> dict:
    """Calibrate the model in ``model_dir`` on ``dev_docs`` and tune its thresholds on the calibrated
    scores; write ``calibration.json`` and ``thresholds.json``, then ``manifest.json`` (which lists
    the calibration); where the directory has ``metrics.json`` (an existing model), record the new
    calibration and thresholds there, drop its test scores (made with the old ones) and render the
    card again. Returns the report (also in the two JSON files)."""
    directory = Path(model_dir)
    pipeline = Pipeline.from_pretrained(directory, calibrated=False)  # checks the manifest first
    before = _saved_thresholds(directory)
    calibration, thresholds, report = calibrate_and_tune(pipeline, dev_docs)
    if before is not None:
        report["thresholds"]["before"] = before
    atomic_write_text(directory / FILENAME, calibration.to_json(heads={
        "entity": report["calibration"]["entity"], "relation": report["calibration"]["relation"]}))
    atomic_write_text(directory / THRESHOLDS_FILE, thresholds.to_json(**report["thresholds"]))
    write_manifest(directory)
    if (directory / "metrics.json").exists():
        _update_card(directory, thresholds, report)
    report["decision_thresholds"] = {"entity": thresholds.entity, "relation": thresholds.relation}
    return report


def summary(thresholds_report: dict, calibration_report: dict) -> dict:
    """What ``metrics.json`` and the model card keep of the report (no curves, no breakpoints)."""
    return {"thresholds": {k: v for k, v in thresholds_report.items() if k != "curves"},
            "calibration": calibration_report}


def _saved_thresholds(directory: Path) -> dict | None:
    path = directory / THRESHOLDS_FILE
    if not path.exists():
        return None
    raw = json.loads(path.read_text())
    return {"entity": raw.get("entity"), "relation": raw.get("relation"),
            "scores": raw.get("scores", "raw (mean tag probability, class probability)")}


def _update_card(directory: Path, thresholds: DecisionThresholds, report: dict) -> None:
    metrics = json.loads((directory / "metrics.json").read_text())
    kept = summary(report["thresholds"], report["calibration"])
    metrics["training"]["thresholds"] = {"entity": thresholds.entity, "relation": thresholds.relation,
                                         **kept["thresholds"]}
    metrics["training"]["calibration"] = kept["calibration"]
    metrics.pop("test", None)  # scored with the old scores and thresholds: run toll-eval again
    atomic_write_text(directory / "metrics.json", json.dumps(metrics, indent=2, default=str))
    config = load_train_config(directory / "config.yaml")
    atomic_write_text(directory / "README.md", render_model_card(config, Schema.load(directory / "schema.yaml"), metrics))


# -- the command --------------------------------------------------------------------------------
def dev_documents(config_path: str | Path, split: str = "dev") -> list[Document]:
    """The ``split`` documents of the corpus the training config names (dev cut to ``data.dev_limit``,
    as training reads it)."""
    config = load_train_config(config_path)
    corpus = load_project_corpus(config.data, Schema.load(config.schema_path))
    if corpus.problems:
        raise CorpusError(f"{config.data.corpus}: {len(corpus.problems)} corpus problem(s); run toll-train --check")
    docs = corpus.splits.get(split, [])
    if not docs:
        raise TollError(f"{config.data.splits}: no documents in split {split!r}")
    return docs[: config.data.dev_limit] if split == "dev" else docs


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m toll.training.calibration", description=__doc__.splitlines()[0])
    parser.add_argument("model", help="model directory written by toll-train")
    parser.add_argument("--config", help="training config naming the corpus (default: the model's own)")
    parser.add_argument("--split", default="dev", help="split to fit on (default dev)")
    args = parser.parse_args(argv)
    return run_command(lambda: _calibrate(args))


def _calibrate(args: argparse.Namespace) -> int:
    docs = dev_documents(args.config or Path(args.model) / "config.yaml", args.split)
    report = calibrate_model_dir(args.model, docs)
    t, cal = report["thresholds"], report["calibration"]
    for head in ("entity", "relation"):
        h = cal[head]
        cv = h["cross_validation"] or {}
        print(f"{head}: {h['method']} on {h['predictions']} predictions of {cal['fitted_on']}; held-out ECE "
              + ", ".join(f"{m} {cv[m]['ece']:.4f}" for m in FITTERS if m in cv)
              + f"; raw ECE {h['raw_ece']:.4f}")
        raw = t["tuned_on_raw_scores"]
        print(f"  threshold {report['decision_thresholds'][head]:.2f} (raw score {t['raw_equivalent'][head]:.4f}); "
              f"tuned on raw scores {raw[head]:.2f}: {raw[head + '_decisions_changed']} of "
              f"{raw[head + '_predictions']} dev decisions differ")
    print(f"wrote {Path(args.model) / FILENAME}, {THRESHOLDS_FILE}, manifest.json")
    return 0


if __name__ == "__main__":
    sys.exit(main())
