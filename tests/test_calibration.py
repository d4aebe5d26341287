"""Score calibration: fitted on dev, saved with the model, applied by the pipeline to the reported
scores only; thresholds tuned on the calibrated scores; ECE per head over equal-mass bins."""

import json
import shutil

import numpy as np
import pytest

from toll.eval.calibration import calibration_metrics, head_calibration
from toll.models.common.errors import ModelDirError
from toll.models.inference import calibration as calibration_module
from toll.models.inference.calibration import ScoreCalibration, ScoreMap
from toll.models.inference.integrity import MANIFEST, file_sha256, write_manifest
from toll.models.inference.pipeline import Pipeline
from toll.models.inference.records import Prediction
from toll.models.text.document import Document, Entity, Relation
from toll.training.calibration import (calibrate_and_tune, calibrate_model_dir, choose_map, equal_mass_bins,
                                       fit_isotonic, fit_platt, link_outcomes, pool_adjacent_violators,
                                       span_outcomes)

TEXT = "Gunmen killed two guards in Kano, police said."
GOLD = Document("d", TEXT, (Entity("c", 14, 24, "KILLED"), Entity("a", 0, 6, "ACTOR"),
                            Entity("s", 34, 40, "SOURCE")),
                (Relation("c", "a", "perpetrator"), Relation("c", "s", "source")))


# -- pool adjacent violators and the two fits ---------------------------------------------------
def test_pav_reproduces_the_textbook_solution_and_is_monotone():
    assert pool_adjacent_violators([1, 3, 2, 4, 3, 5]) == [1, 2.5, 2.5, 3.5, 3.5, 5]
    assert pool_adjacent_violators([3, 2, 1]) == [2, 2, 2]            # all one violating run
    assert pool_adjacent_violators([0.1, 0.2, 0.7]) == [0.1, 0.2, 0.7]  # already monotone: unchanged
    assert pool_adjacent_violators([3, 1], w=[1, 3]) == [1.5, 1.5]     # weighted mean of the pool
    rng = np.random.default_rng(0)
    y = rng.random(200)
    fitted = np.array(pool_adjacent_violators(y))
    assert np.all(np.diff(fitted) >= -1e-12)
    assert fitted.sum() == pytest.approx(y.sum())  # pooling keeps the total


def test_isotonic_fit_is_a_monotone_map_through_the_pooled_blocks():
    scores, correct = [0.5, 0.6, 0.7, 0.8, 0.9, 0.95], [0, 1, 0, 1, 1, 1]
    m = fit_isotonic(scores, correct)
    # 0.6 (right) and 0.7 (wrong) violate and pool to 0.5; 0.8 to 0.95 are all right
    assert m.x == (0.5, 0.6, 0.7, 0.8, 0.95) and m.y == (0.0, 0.5, 0.5, 1.0, 1.0)
    grid = np.linspace(0, 1, 101)
    assert np.all(np.diff(m.apply(grid)) >= 0)
    assert m(0.4) == 0.0 and m(0.99) == 1.0 and m(0.75) == pytest.approx(0.75)
    assert m.raw_cut(0.75) == pytest.approx(0.75) and m.raw_cut(0.0) == 0.0


def test_platt_recovers_a_known_logistic_map():
    rng = np.random.default_rng(1)
    s = rng.uniform(0.5, 0.9999, size=20000)
    truth = 1 / (1 + np.exp(-(0.5 * np.log(s / (1 - s)) - 1.0)))
    m = fit_platt(s, rng.random(len(s)) < truth)
    assert m.a == pytest.approx(0.5, abs=0.05) and m.b == pytest.approx(-1.0, abs=0.15)
    assert m.raw_cut(m(0.97)) == pytest.approx(0.97)


def test_cross_validation_picks_the_method_with_lower_held_out_ece():
    rng = np.random.default_rng(2)
    per_doc = []
    for _ in range(40):  # a step: scores above 0.9 are right 90% of the time, below it 20%
        s = rng.uniform(0.8, 1.0, size=20)
        per_doc.append((list(s), list(rng.random(20) < np.where(s > 0.9, 0.9, 0.2))))
    fitted, report = choose_map(per_doc)
    cv = report["cross_validation"]
    assert report["method"] == min(("isotonic", "platt"), key=lambda m: cv[m]["ece"])
    assert report["method"] == "isotonic"  # a logistic curve cannot make the step
    assert report["raw_ece"] > 0.2 > cv["isotonic"]["ece"]


# -- expected calibration error -----------------------------------------------------------------
def test_ece_over_equal_mass_bins_by_hand():
    scores = [0.1, 0.2, 0.3, 0.4, 0.6, 0.7, 0.8, 0.9]
    correct = [0, 0, 1, 0, 1, 0, 1, 1]
    bins, ece = equal_mass_bins(scores, correct, n_bins=4)
    # bins of two: (0.15 vs 0), (0.35 vs 0.5), (0.65 vs 0.5), (0.85 vs 1): each 0.15 off
    assert [b["count"] for b in bins] == [2, 2, 2, 2]
    assert ece == 0.15
    _, ece = equal_mass_bins(scores, correct, n_bins=2)  # halves: 0.25 vs 0.25, 0.75 vs 0.75
    assert ece == 0.0
    bins, ece = equal_mass_bins([0.99] * 10, [True] * 7 + [False] * 3)  # one dot, whatever the bins
    assert ece == pytest.approx(0.29) and sum(b["count"] for b in bins) == 10


def test_ece_per_head_against_exact_correctness_with_an_interval():
    pred = Document("d", TEXT, (Entity("c", 14, 24, "KILLED", 0.9), Entity("a", 0, 6, "ACTOR", 0.8),
                                Entity("x", 28, 32, "LOCATION", 0.7), Entity("s", 34, 39, "SOURCE", 0.6)),
                    (Relation("c", "a", "perpetrator", 0.9), Relation("c", "s", "source", 0.9)))
    assert span_outcomes([GOLD], [pred]) == [([0.9, 0.8, 0.7, 0.6], [True, True, False, False])]
    # the source link's tail is one character short: not exactly correct
    assert link_outcomes([GOLD], [pred]) == [([0.9, 0.9], [True, False])]
    m = calibration_metrics([GOLD, GOLD], [pred, pred], samples=50)
    assert m["ece"] == m["entities"]["ece"] and m["bins"] == m["entities"]["bins"]
    assert m["entities"]["predictions"] == 8 and m["relations"]["predictions"] == 4
    assert m["relations"]["ece"] == pytest.approx(0.4)
    head = head_calibration([([0.9], [True]), ([0.9], [False]), ([0.5], [False])], samples=200)
    assert head["low"] <= head["ece"] <= head["high"] and head["articles"] == 3


# -- calibration.json ---------------------------------------------------------------------------
def test_calibration_json_round_trips_and_is_checked(tmp_path):
    cal = ScoreCalibration(ScoreMap("isotonic", x=(0.5, 0.99), y=(0.1, 0.9)), ScoreMap("platt", a=0.7, b=-0.2),
                           fitted_on="dev (3 articles)")
    (tmp_path / "calibration.json").write_text(cal.to_json(heads={"entity": {"predictions": 9}}, note="x"))
    assert ScoreCalibration.load(tmp_path) == cal
    assert json.loads((tmp_path / "calibration.json").read_text())["entity"]["predictions"] == 9
    for bad, words in [({"method": "isotonic", "x": [0.9, 0.5], "y": [0.1, 0.2]}, "non-decreasing"),
                       ({"method": "platt", "a": -1, "b": 0}, "a > 0"),
                       ({"method": "temperature"}, "method must be one of")]:
        (tmp_path / "calibration.json").write_text(json.dumps({"entity": bad, "relation": {"method": "identity"}}))
        with pytest.raises(ValueError, match=words):
            ScoreCalibration.load(tmp_path)


def test_a_model_without_calibration_loads_the_identity_and_says_so_once(tmp_path, capsys):
    calibration_module._WARNED.discard(tmp_path.resolve())
    assert ScoreCalibration.load(tmp_path) == ScoreCalibration()
    assert ScoreCalibration.load(tmp_path).is_identity
    err = capsys.readouterr().err
    assert err.count("no calibration.json") == 1 and "uncalibrated" in err
    assert ScoreCalibration().entity(0.987) == 0.987


# -- thresholds tuned on calibrated scores ------------------------------------------------------
class RawPredictor:
    """The gold entities at raw 0.97 and a spurious LOCATION at raw 0.93 (both above every raw grid
    point but the top, so raw floors cannot tell them apart), the true links at 0.95, a wrong one at 0.92."""

    def __init__(self):
        self.calibrations = []

    def use_calibration(self, calibration):
        self.calibrations.append(calibration)

    def predict_documents(self, docs, chunk_size=64, min_score=None, entities_given=False):
        for doc in docs:
            if entities_given:
                ids = {e.id for e in doc.entities}
                candidates = [Relation("c", "a", "perpetrator", 0.95), Relation("c", "s", "source", 0.95),
                              Relation("c", "s", "perpetrator", 0.92)]
                yield Prediction(doc.with_annotations(doc.entities, [r for r in candidates
                                                                     if {r.head, r.tail} <= ids]), [], [])
            else:
                ents = [Entity(e.id, e.start, e.end, e.label, 0.97) for e in GOLD.entities]
                yield Prediction(doc.with_annotations([*ents, Entity("x", 28, 32, "LOCATION", 0.93)]), [], [])


def test_thresholds_are_tuned_on_the_calibrated_scores():
    dev = [Document(f"d{i}", TEXT, GOLD.entities, GOLD.relations) for i in range(10)]
    predictor = RawPredictor()
    calibration, thresholds, report = calibrate_and_tune(predictor, dev)
    assert predictor.calibrations[0].is_identity and predictor.calibrations[-1] == calibration
    assert calibration.fitted_on == "dev (10 articles)"
    # calibrated, the spurious span scores 0 and the right ones 1: a floor between keeps only these
    assert calibration.entity(0.93) < thresholds.entity <= calibration.entity(0.97)
    assert calibration.relation(0.92) < thresholds.relation <= calibration.relation(0.95)
    assert report["thresholds"]["entity_exact_f1"]["at_threshold"] == 1.0
    assert report["thresholds"]["relation_end_to_end_f1"]["at_threshold"] == 1.0
    # on raw scores the grid stops at 0.9 and keeps the spurious span: the cut moved for those 10
    raw = report["thresholds"]["tuned_on_raw_scores"]
    assert raw["entity_decisions_changed"] == 10 and raw["entity_predictions"] == 40
    assert 0.93 < report["thresholds"]["raw_equivalent"]["entity"] <= 0.97


# -- a trained model ----------------------------------------------------------------------------
def test_training_writes_a_calibration_the_manifest_lists(smoke_model):
    cal = json.loads((smoke_model / "calibration.json").read_text())
    assert cal["fitted_on"] == "dev (1 articles)"
    files = json.loads((smoke_model / MANIFEST).read_text())["files"]
    assert files["calibration.json"]["sha256"] == file_sha256(smoke_model / "calibration.json")
    assert json.loads((smoke_model / "thresholds.json").read_text())["scores"] == "calibrated (calibration.json)"
    assert Pipeline.from_pretrained(smoke_model).calibration == ScoreCalibration.load(smoke_model)
    assert "Scores are calibrated on dev (1 articles)" in (smoke_model / "README.md").read_text()


def test_calibration_changes_scores_not_predictions(smoke_model, repo):
    doc = Document("seed", (repo / "seeds" / "000_7115594e92608c01.txt").read_text())
    calibrated = Pipeline.from_pretrained(smoke_model)
    raw = Pipeline.from_pretrained(smoke_model, calibrated=False)
    a = next(calibrated.predict_documents([doc], min_score=0.0)).document
    b = next(raw.predict_documents([doc], min_score=0.0)).document
    assert [(e.start, e.end, e.label) for e in a.entities] == [(e.start, e.end, e.label) for e in b.entities]
    assert [e.score for e in a.entities] == pytest.approx(
        [calibrated.calibration.entity(e.score) for e in b.entities], abs=2e-4)
    assert [(r.head, r.tail, r.label) for r in a.relations] == [(r.head, r.tail, r.label) for r in b.relations]


def test_calibrating_an_existing_model_dir_rewrites_calibration_thresholds_and_manifest(smoke_model, tmp_path, repo,
                                                                                           capsys):
    model = tmp_path / "model"
    shutil.copytree(smoke_model, model)
    (model / "calibration.json").unlink()  # a model from before calibration: identity, said once
    write_manifest(model)
    calibration_module._WARNED.discard(model.resolve())
    assert Pipeline.from_pretrained(model).calibration.is_identity
    assert "no calibration.json" in capsys.readouterr().err
    dev = [Document("seed", (repo / "seeds" / "000_7115594e92608c01.txt").read_text())]
    dev = [next(Pipeline.from_pretrained(model).predict_documents(dev, min_score=0.0)).document]  # its own output as gold
    report = calibrate_model_dir(model, dev)
    assert report["thresholds"]["before"]["scores"] == "calibrated (calibration.json)"
    files = json.loads((model / MANIFEST).read_text())["files"]
    assert files["calibration.json"]["sha256"] == file_sha256(model / "calibration.json")
    thresholds = json.loads((model / "thresholds.json").read_text())
    assert thresholds["tuned_on"] == "dev (1 articles)" and "raw_equivalent" in thresholds
    assert "test" not in json.loads((model / "metrics.json").read_text())
    Pipeline.from_pretrained(model)  # the manifest agrees
    (model / "calibration.json").write_text((model / "calibration.json").read_text().replace('"method"', '"method" ', 1))
    with pytest.raises(ModelDirError, match="calibration.json"):
        Pipeline.from_pretrained(model)


def test_a_head_without_dev_predictions_keeps_the_identity():
    fitted, report = choose_map([([], []), ([], [])])
    assert fitted == ScoreMap() and report["method"] == "identity" and report["predictions"] == 0
    text = ScoreCalibration(ScoreMap("platt", a=1.0, b=0.0), fitted).to_json(heads={"relation": report})
    assert ScoreCalibration.from_json(text).relation == ScoreMap()
