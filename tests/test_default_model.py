"""The default model on the seed article (real AFP reporting, held out in the test split): it must
find the figures a reader finds. Slow: it needs the model of configs/default.yaml."""

import pytest

from toll.models.inference.pipeline import Pipeline

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def seed_record(default_model, repo):
    text = (repo / "seeds" / "000_7115594e92608c01.txt").read_text()
    return Pipeline.from_pretrained(default_model).predict_text(text, doc_id="seed")


def find(record, text):
    matches = [c for c in record["casualties"] if c["text"] == text]
    assert matches, f"{text!r} not found among {[c['text'] for c in record['casualties']]}"
    return matches[0]


def lower(items):
    return [x.lower() for x in items]


def test_ministry_figures(seed_record):
    killed = find(seed_record, "40 Taliban fighters")
    wounded = find(seed_record, "50 others")
    assert killed["type"] == "killed" and killed["count"]["value"] == 40
    assert wounded["type"] == "injured" and wounded["count"]["value"] == 50
    assert "the ministry" in lower(killed["sources"]) and "the ministry" in lower(wounded["sources"])


def test_bicycle_bomb_figures(seed_record):
    killed = find(seed_record, "two civilians")
    wounded = find(seed_record, "18")
    assert (killed["type"], killed["count"]["value"]) == ("killed", 2)
    assert (wounded["type"], wounded["count"]["value"]) == ("injured", 18)
    for record in (killed, wounded):
        assert "kunduz police" in lower(record["sources"])
        assert any("bomb" in w for w in lower(record["weapons"]))


def test_ghazni_car_bomb_figure(seed_record):
    record = find(seed_record, "at least seven Afghan intelligence personnel")
    assert record["count"] == {"value": 7, "low": 7, "high": None, "qualifier": "at_least"}
    assert "the taliban" in lower(record["perpetrators"])
    assert "a car bomb" in lower(record["weapons"])
    assert any("ghazni" in loc for loc in lower(record["locations"]))
