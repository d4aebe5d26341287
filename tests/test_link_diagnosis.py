"""The link diagnosis: every gold link bucketed by sentence distance and given one fate (never a
candidate, cut off, scored low, found), on gold and on predicted entities, with a stand-in network
whose score for a pair is set by the tail's first word."""

import math
from types import SimpleNamespace

import numpy as np
import pytest
from transformers import AutoTokenizer

from toll.eval.link_diagnosis import diagnose, link_census, main, render_markdown, score_candidates
from toll.models.inference.records import Prediction
from toll.models.inference.thresholds import DecisionThresholds
from toll.models.networks.encoders import resolve_encoder
from toll.models.networks.relation_classifier import RelationClassifier
from toll.models.networks.relation_encoding import RelationEncoding, marker_tokens
from toll.models.text.alignment import tokenize
from toll.models.text.document import Document, Entity, Relation
from toll.models.text.sentences import sentence_spans

S0 = "Gunmen killed 12 people in Kabul."
S1 = "The Taliban later said its fighters had carried out the raid."
S2 = "Police in Herat gave no names."
S3 = "Officials blamed Boko Haram."
TEXT = " ".join([S0, S1, S2, S3])


def span(text: str, part: str, label: str, id_: str) -> Entity:
    start = text.index(part)
    return Entity(id_, start, start + len(part), label)


FIGURE = span(TEXT, "12 people", "KILLED", "c")
GUNMEN = span(TEXT, "Gunmen", "ACTOR", "a1")
KABUL = span(TEXT, "Kabul", "LOCATION", "l1")
TALIBAN = span(TEXT, "Taliban", "ACTOR", "a2")
POLICE = span(TEXT, "Police", "SOURCE", "s1")
BOKO = span(TEXT, "Boko Haram", "ACTOR", "a3")
GOLD = Document("d", TEXT, (FIGURE, GUNMEN, KABUL, TALIBAN, POLICE, BOKO), (
    Relation("c", "a1", "perpetrator"),  # same sentence, scored 0.9: found
    Relation("c", "l1", "location"),  # same sentence, scored 0.2: lost to none
    Relation("c", "a2", "perpetrator"),  # one sentence on, scored 0.6: under the 0.7 threshold
    Relation("c", "s1", "source"),  # two sentences on: beyond a reach of one
    Relation("c", "a3", "perpetrator"),  # three sentences on
))
BOMB = "A bomb wounded 4 guards."
GOLD_BOMB = Document("b", BOMB, (span(BOMB, "A bomb", "WEAPON", "w"), span(BOMB, "4 guards", "INJURED", "i")),
                     (Relation("i", "w", "weapon"),))
# what the tail's first word makes the network say for the relation (the rest: 0.1)
SCORES = {"gunmen": 0.9, "kabul": 0.2, "taliban": 0.6, "its": 0.95}


@pytest.fixture(scope="module")
def relation_tokenizer(schema):
    tokenizer = AutoTokenizer.from_pretrained(resolve_encoder("bundled:minilm-l6"))  # markers are added
    tokenizer.add_tokens(marker_tokens(schema), special_tokens=True)
    return tokenizer


def first_word_network(tokenizer):
    """Logits that give each pair P(relation) = SCORES[the tail's first word] over {none, relation}."""
    wanted = {tokenizer(w, add_special_tokens=False)["input_ids"][0]: p for w, p in SCORES.items()}

    def network(batch):
        ids, tail_pos, allowed = batch["input_ids"].numpy(), batch["tail_pos"].numpy(), batch["allowed"].numpy()
        first = np.take_along_axis(ids, np.minimum(tail_pos + 1, ids.shape[1] - 1), axis=1)
        p = np.vectorize(lambda t: wanted.get(int(t), 0.1))(first)
        logits = np.zeros(allowed.shape, dtype=np.float64)
        logits[..., 1:] = np.log(p / (1 - p))[..., None]
        return np.where(allowed, logits, -1e9)
    return network


def fake_pipeline(tokenizer, schema, predicted: dict[str, list[Entity]], max_tokens=128):
    """What :func:`diagnose` reads of a Pipeline; ``predicted``: the tagger's entities per document id."""
    encoding = RelationEncoding.from_tokenizer(tokenizer, schema, marker_tokens(schema), 1, max_tokens)

    def predict_documents(docs, chunk_size=64, min_score=None, entities_given=False):
        for doc in docs:
            yield Prediction(doc.with_annotations(predicted[doc.id]), [], [])

    return SimpleNamespace(schema=schema, tokenizer=tokenizer, case_marker=None, predict_documents=predict_documents,
                           thresholds=DecisionThresholds(0.9, 0.7),
                           relation_classifier=RelationClassifier(encoding, encoding.classes,
                                                                  first_word_network(tokenizer)))


def fates(mode: dict) -> dict[tuple[str, str], dict]:
    return {(rel, b): dict(c) for rel, by_b in mode["counts"].items() for b, c in by_b.items()}


def test_the_hand_made_text_has_four_sentences():
    assert [TEXT[s:e] for s, e in sentence_spans(TEXT)] == [S0, S1, S2, S3]


def test_on_gold_entities_each_link_gets_its_distance_and_fate(relation_tokenizer, schema):
    pipe = fake_pipeline(relation_tokenizer, schema, {"d": list(GOLD.entities), "b": list(GOLD_BOMB.entities)})
    mode = diagnose(pipe, [GOLD, GOLD_BOMB])["modes"]["gold entities"]
    assert fates(mode) == {
        ("perpetrator", "0"): {"found": 1}, ("perpetrator", "1"): {"below threshold": 1},
        ("perpetrator", "3+"): {"beyond reach": 1}, ("location", "0"): {"lost to none": 1},
        ("source", "2"): {"beyond reach": 1}, ("weapon", "0"): {"lost to none": 1}}
    scores = mode["scores"]["perpetrator"]
    assert scores["0"]["median_scored"] == pytest.approx(0.9) and scores["0"]["missed_scored"] == 0
    assert scores["1"] == {"scored": 1, "median_scored": 0.6, "missed_scored": 1, "median_missed": 0.6,
                           "missed_at_least_0.5": 1}
    assert mode["scores"]["location"]["0"]["median_missed"] == pytest.approx(0.2)
    # only the found link is predicted, and it is right
    assert mode["precision"] == {"perpetrator": {"0": {"predicted": 1, "wrong": 0, "wrong, both ends gold": 0}}}
    # the Taliban's sentence claims the raid, Boko Haram's blames; the gunmen's does neither
    assert mode["claims"] == {"0": {"links, no cue": 1, "found, no cue": 1},
                              "1": {"links, cue": 1, "found, cue": 0}, "3+": {"links, cue": 1, "found, cue": 0}}
    assert [x["tail"] for x in mode["examples"]["below threshold"]] == ["Taliban"]
    assert mode["examples"]["below threshold"][0]["sentences"] == f"{S0} ... {S1}"


def test_the_threshold_compares_the_score_the_pipeline_reports(relation_tokenizer, schema):
    pipe = fake_pipeline(relation_tokenizer, schema, {"d": list(GOLD.entities)})
    pipe.relation_classifier.score_map = lambda p: min(1.0, p + 0.2)  # a calibration that trusts more
    diagnosis = diagnose(pipe, [GOLD])
    counts = fates(diagnosis["modes"]["gold entities"])
    assert counts[("perpetrator", "1")] == {"found": 1}  # 0.6 reported as 0.8
    assert counts[("location", "0")] == {"lost to none": 1}  # the argmax is still none
    assert diagnosis["modes"]["gold entities"]["scores"]["perpetrator"]["1"]["median_scored"] == 0.6  # raw
    assert diagnosis["settings"]["threshold_compares"] == "calibrated scores"


def test_a_tail_cut_off_by_the_token_budget_is_truncated_not_missing(relation_tokenizer, schema):
    pipe = fake_pipeline(relation_tokenizer, schema, {"d": list(GOLD.entities)}, max_tokens=16)
    counts = fates(diagnose(pipe, [GOLD])["modes"]["gold entities"])
    assert counts[("perpetrator", "1")] == {"truncated": 1}
    assert counts[("perpetrator", "0")] == {"found": 1}


def test_end_to_end_names_the_entity_error_before_the_reach(relation_tokenizer, schema):
    predicted = {"d": [Entity("p1", FIGURE.start, FIGURE.end, "KILLED"),
                       Entity("p2", GUNMEN.start, GUNMEN.end, "SOURCE"),  # the actor typed as a source
                       Entity("p3", KABUL.start - len("in "), KABUL.end, "LOCATION"),  # wider bounds
                       span(TEXT, "its fighters", "ACTOR", "p4"),  # not gold; 0.95, one sentence away
                       Entity("p5", POLICE.start, POLICE.end, "SOURCE"),
                       Entity("p6", BOKO.start, BOKO.end, "ACTOR")],  # no Taliban
                 "b": [GOLD_BOMB.entities[0]]}  # the figure missed
    mode = diagnose(fake_pipeline(relation_tokenizer, schema, predicted), [GOLD, GOLD_BOMB])["modes"]["end to end"]
    assert fates(mode) == {
        ("perpetrator", "0"): {"wrong tail type": 1}, ("perpetrator", "1"): {"tail not predicted": 1},
        ("perpetrator", "3+"): {"beyond reach": 1}, ("location", "0"): {"tail bounds differ": 1},
        ("source", "2"): {"beyond reach": 1}, ("weapon", "0"): {"figure not predicted": 1}}
    assert mode["tail_types"] == {"ACTOR tagged SOURCE": 1}
    assert mode["precision"] == {
        "perpetrator": {"1": {"predicted": 1, "wrong": 1, "wrong, both ends gold": 0}},
        "source": {"0": {"predicted": 1, "wrong": 1, "wrong, both ends gold": 0}}}


def test_candidate_scores_decide_as_the_pipeline_does(relation_tokenizer, schema):
    pipe = fake_pipeline(relation_tokenizer, schema, {})
    classifier = pipe.relation_classifier
    args = ([tokenize(relation_tokenizer, TEXT)], [sentence_spans(TEXT)], [list(GOLD.entities)])
    [scores] = score_candidates(classifier, *args)
    assert set(scores) == {("c", "a1"), ("c", "l1"), ("c", "a2")}  # within one sentence
    assert math.isclose(scores[("c", "a2")]["perpetrator"], 0.6)
    decided = sorted((h, t, max(p, key=p.get)) for (h, t), p in scores.items() if max(p, key=p.get) != "none")
    assert decided == sorted((r.head, r.tail, r.label) for r in classifier.relate(*args)[0])


def test_census_counts_pairs_and_links_at_every_distance(schema):
    census = link_census([GOLD], schema)
    assert census["perpetrator"] == {
        "0": {"pairs": 1, "links": 1}, "1": {"pairs": 1, "links": 1, "pairs with a claim/blame cue": 1,
                                           "links with a claim/blame cue": 1},
        "3+": {"pairs": 1, "links": 1, "pairs with a claim/blame cue": 1, "links with a claim/blame cue": 1}}
    assert census["source"] == {"2": {"pairs": 1, "links": 1}}


def test_standoff_text_is_shown_by_offsets_only(relation_tokenizer, schema):
    hidden = Document("muc", TEXT, GOLD.entities, GOLD.relations, {"data": {"standoff": "muc4"}})
    pipe = fake_pipeline(relation_tokenizer, schema, {"muc": list(GOLD.entities)})
    diagnosis = diagnose(pipe, [hidden])
    diagnosis["split"] = "test"
    md = render_markdown(diagnosis, "python -m toll.eval.link_diagnosis ...")
    assert "standoff text" in md
    assert not any(word in md for word in ("Gunmen", "Taliban", "Boko", "fighters"))


def test_cli_refuses_bad_input(tmp_path, repo, capsys):
    assert main(["--model", str(tmp_path / "none"), "--out", str(tmp_path / "out")]) == 2
    assert "training config not found" in capsys.readouterr().err
    config = str(repo / "configs" / "default.yaml")
    assert main(["--model", str(tmp_path / "none"), "--config", config, "--split", "nosuch",
                 "--out", str(tmp_path / "out")]) == 2
    assert "no split 'nosuch'" in capsys.readouterr().err
    (tmp_path / "file").write_text("")
    assert main(["--model", str(tmp_path / "none"), "--config", config, "--out", str(tmp_path / "file")]) == 2
    assert "not a folder" in capsys.readouterr().err
    assert main(["--model", str(tmp_path / "none"), "--config", config, "--out", str(tmp_path / "out")]) == 2
    assert "model directory not found" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()
    with pytest.raises(SystemExit):
        main(["--split", "dev"])  # --model and --out are required
