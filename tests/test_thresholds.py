"""Decision thresholds: tuned on dev after training, saved with the model, applied by the pipeline."""

import json
import shutil

import pytest

from toll.models.text.document import Document, Entity, Relation
from toll.models.common.errors import ModelDirError
from toll.models.inference.pipeline import Pipeline
from toll.models.inference.records import Prediction
from toll.models.inference.thresholds import DecisionThresholds
from toll.training.threshold_tuning import GRID, tune_thresholds

TEXT = "Gunmen killed two guards in Kano, police said."
GOLD = Document("d", TEXT, (Entity("c", 14, 24, "KILLED"), Entity("a", 0, 6, "ACTOR"),
                            Entity("s", 34, 40, "SOURCE")),
                (Relation("c", "a", "perpetrator"), Relation("c", "s", "source")))


class FixedPredictor:
    """Predicts the gold entities (0.9) plus a spurious LOCATION (0.3), and relations whose
    scores say how sure it is: the true ones at 0.8, a wrong one at 0.45."""

    def predict_documents(self, docs, chunk_size=64, min_score=None, entities_given=False):
        for doc in docs:
            if entities_given:
                ids = {e.id for e in doc.entities}
                candidates = [Relation("c", "a", "perpetrator", 0.8), Relation("c", "s", "source", 0.8),
                              Relation("c", "x", "location", 0.45), Relation("c", "s", "perpetrator", 0.45)]
                yield Prediction(doc.with_annotations(doc.entities, [r for r in candidates
                                                                     if {r.head, r.tail} <= ids]), [], [])
            else:
                ents = [Entity(e.id, e.start, e.end, e.label, 0.9) for e in GOLD.entities]
                yield Prediction(doc.with_annotations([*ents, Entity("x", 28, 32, "LOCATION", 0.3)]), [], [])


def test_tuning_drops_what_dev_says_is_mostly_wrong():
    thresholds, report = tune_thresholds(FixedPredictor(), [GOLD])
    # every floor in (0.3, 0.9] keeps exactly the right entities; smoothed over grid neighbours,
    # the lowest point whose neighbours agree wins
    assert thresholds.entity == 0.4
    assert thresholds.relation == 0.55
    assert report["entity_exact_f1"] == {"at_zero": 0.8571, "at_threshold": 1.0}
    assert report["relation_end_to_end_f1"] == {"at_zero": 0.8, "at_threshold": 1.0}
    assert list(report["curves"]["entity"]) == list(GRID)


def test_thresholds_file_round_trips_and_is_checked(tmp_path):
    assert DecisionThresholds.load(tmp_path) == DecisionThresholds(0.0, 0.0)
    (tmp_path / "thresholds.json").write_text(DecisionThresholds(0.4, 0.55).to_json(tuned_on="dev"))
    assert DecisionThresholds.load(tmp_path) == DecisionThresholds(0.4, 0.55)
    (tmp_path / "thresholds.json").write_text('{"entity": "high"}')
    with pytest.raises(ValueError, match=r"thresholds.json: entity must be a number in \[0, 1\]"):
        DecisionThresholds.load(tmp_path)


def test_trained_model_carries_its_thresholds(smoke_model):
    saved = json.loads((smoke_model / "thresholds.json").read_text())
    assert saved["entity"] in GRID and saved["relation"] in GRID
    assert saved["tuned_on"] == "dev (1 articles)"
    assert Pipeline.from_pretrained(smoke_model).thresholds == DecisionThresholds(saved["entity"], saved["relation"])
    assert "Decision thresholds" in (smoke_model / "README.md").read_text()


def test_pipeline_applies_saved_thresholds_unless_told_otherwise(smoke_model, tmp_path, repo):
    strict = tmp_path / "model"
    shutil.copytree(smoke_model, strict)
    (strict / "thresholds.json").write_text(DecisionThresholds(0.5, 0.5).to_json())
    doc = Document("seed", (repo / "seeds" / "000_7115594e92608c01.txt").read_text())
    everything = next(Pipeline.from_pretrained(smoke_model).predict_documents([doc], min_score=0.0)).document
    pipe = Pipeline.from_pretrained(strict)
    kept = next(pipe.predict_documents([doc])).document
    assert {(e.start, e.end, e.label) for e in kept.entities} == {
        (e.start, e.end, e.label) for e in everything.entities if e.score >= 0.5}
    assert all(r.score >= 0.5 for r in kept.relations)
    overridden = next(pipe.predict_documents([doc], min_score=0.0)).document
    assert overridden.entities == everything.entities


def test_loading_refuses_bad_thresholds(smoke_model, tmp_path):
    copy = tmp_path / "model"
    shutil.copytree(smoke_model, copy)
    (copy / "thresholds.json").write_text('{"entity": 0.5, "relation": 2}')
    with pytest.raises(ModelDirError, match="thresholds.json: relation must be a number"):
        Pipeline.from_pretrained(copy)
