"""The relation classifier: candidates the schema and the sentence reach allow, markers that never
fall off the window, one batch path for inference and the same encoding for training."""

import numpy as np
import pytest
from transformers import AutoTokenizer

from toll.models.networks.encoders import resolve_encoder
from toll.models.networks.relation_classifier import RelationClassifier, pad_relation_batch
from toll.models.networks.relation_encoding import (CandidateStats, RelationEncoding, build_head_examples,
                                                    marker_tokens)
from toll.models.text.alignment import tokenize
from toll.models.text.document import Document, Entity, Relation
from toll.models.text.sentences import sentence_spans
from toll.training.features import FeatureReport, relation_features

FIRST = "Gunmen killed 12 people in Kabul on Monday, police said."
SECOND = "The Taliban denied it."
TEXT = f"{FIRST} {SECOND} Officials in Herat reported 3 dead."
ENTITIES = [
    Entity("a1", 0, len("Gunmen"), "ACTOR"),
    Entity("c1", len("Gunmen killed "), len("Gunmen killed 12 people"), "KILLED"),
    Entity("l1", len("Gunmen killed 12 people in "), len("Gunmen killed 12 people in Kabul"), "LOCATION"),
    Entity("d1", len("Gunmen killed 12 people in Kabul on "), len("Gunmen killed 12 people in Kabul on Monday"), "DATE"),
    Entity("s1", len("Gunmen killed 12 people in Kabul on Monday, "), len(FIRST) - len(" said."), "SOURCE"),
    Entity("a2", len(FIRST) + 1, len(FIRST) + 1 + len("The Taliban"), "ACTOR"),
    Entity("l2", TEXT.index("Herat"), TEXT.index("Herat") + len("Herat"), "LOCATION"),
]


@pytest.fixture(scope="module")
def relation_tokenizer(schema):
    tokenizer = AutoTokenizer.from_pretrained(resolve_encoder("bundled:minilm-l6"))  # not the cached one: markers are added
    tokenizer.add_tokens(marker_tokens(schema), special_tokens=True)
    return tokenizer


def encoding_for(tokenizer, schema, sentence_window=1, max_tokens=128):
    return RelationEncoding.from_tokenizer(tokenizer, schema, marker_tokens(schema), sentence_window, max_tokens)


def tail_token_network(batch):
    """A stand-in network whose scores depend on each tail's own marker position and token only, so
    a pair scores the same in any batch and under any padding."""
    ids, tail_pos, allowed = batch["input_ids"].numpy(), batch["tail_pos"].numpy(), batch["allowed"].numpy()
    tail_token = np.take_along_axis(ids, tail_pos, axis=1)  # [B, K]
    logits = np.zeros(allowed.shape, dtype=np.float32)
    logits[..., 1:] = ((tail_token % 7) / 3.0)[..., None]
    return np.where(allowed, logits, np.float32(-1e9))


def test_candidates_are_schema_pairs_within_the_sentence_reach(relation_tokenizer, schema):
    tok = tokenize(relation_tokenizer, TEXT)
    stats = CandidateStats()
    gold = {("c1", "a1"): "perpetrator", ("c1", "l2"): "location"}  # Herat stands two sentences away
    [ex] = build_head_examples(tok, ENTITIES, sentence_spans(TEXT), encoding_for(relation_tokenizer, schema),
                               gold=gold, stats=stats)
    assert ex.head_id == "c1"
    assert ex.tail_ids == ["a1", "l1", "d1", "s1", "a2"]  # every other entity within one sentence
    assert (stats.heads, stats.candidates, stats.gold_outside_candidates) == (1, 5, 1)
    classes = encoding_for(relation_tokenizer, schema).classes
    assert ex.labels == [classes.index("perpetrator")] + [0] * 4
    # each pair allows "none" and the one relation the schema has for its labels
    assert [[c for c, ok in zip(classes, row) if ok] for row in ex.allowed[:2]] == [["none", "perpetrator"],
                                                                                    ["none", "location"]]


def test_a_tail_whose_marker_would_be_cut_off_is_skipped_and_counted(relation_tokenizer, schema):
    tok = tokenize(relation_tokenizer, TEXT)
    stats = CandidateStats()
    [ex] = build_head_examples(tok, ENTITIES, sentence_spans(TEXT),
                               encoding_for(relation_tokenizer, schema, max_tokens=16), stats=stats)
    assert len(ex.input_ids) <= 16
    assert 0 not in ex.tail_pos and ex.head_pos != 0  # never pointed at [CLS]
    assert stats.skipped_truncated == 5 - len(ex.tail_ids) > 0
    for tail, pos in zip(ex.tail_ids, ex.tail_pos):
        label = next(e.label for e in ENTITIES if e.id == tail)
        assert relation_tokenizer.convert_ids_to_tokens(ex.input_ids[pos]) == f"[T:{label}]"


def test_a_batch_predicts_what_each_document_predicts_alone(relation_tokenizer, schema):
    texts = [TEXT, "A bomb wounded 4 guards.", FIRST]
    entities = [ENTITIES, [Entity("w", 0, 6, "WEAPON"), Entity("i", 15, 23, "INJURED")], ENTITIES[:5]]
    toks = [tokenize(relation_tokenizer, t) for t in texts]
    sentences = [sentence_spans(t) for t in texts]
    encoding = encoding_for(relation_tokenizer, schema)
    classifier = RelationClassifier(encoding, encoding.classes, tail_token_network, batch_size=2)
    together = classifier.relate(toks, sentences, entities)
    alone = [classifier.relate([t], [s], [e])[0] for t, s, e in zip(toks, sentences, entities)]
    assert together == alone
    assert together[1] == [Relation("i", "w", "weapon", together[1][0].score)]
    assert all(len(r) > 0 for r in together)


def test_relations_scored_below_the_floor_are_dropped(relation_tokenizer, schema):
    encoding = encoding_for(relation_tokenizer, schema)
    classifier = RelationClassifier(encoding, encoding.classes, tail_token_network)
    args = ([tokenize(relation_tokenizer, TEXT)], [sentence_spans(TEXT)], [ENTITIES])
    everything = classifier.relate(*args)[0]
    lowest, next_lowest = sorted({r.score for r in everything})[:2]
    floor = (lowest + next_lowest) / 2  # between two scores: the rounding of the scores cannot matter
    kept = classifier.relate(*args, min_score=floor)[0]
    assert kept == [r for r in everything if r.score >= floor] and 0 < len(kept) < len(everything)
    assert classifier.timings["relation network"] > 0


def test_training_features_encode_heads_as_inference_does(relation_tokenizer, schema):
    encoding = encoding_for(relation_tokenizer, schema)
    seen = []

    def recording_network(batch):
        seen.extend(row[mask.bool()].tolist() for row, mask in zip(batch["input_ids"], batch["attention_mask"]))
        return tail_token_network(batch)

    doc = Document("d", TEXT, tuple(ENTITIES), (Relation("c1", "a1", "perpetrator"),))
    RelationClassifier(encoding, encoding.classes, recording_network).relate(
        [tokenize(relation_tokenizer, TEXT)], [sentence_spans(TEXT)], [list(doc.entities)])
    rows = relation_features([doc], relation_tokenizer, encoding, FeatureReport())
    assert [r["input_ids"] for r in rows] == seen
    padded = pad_relation_batch(rows, encoding.pad_id)
    assert padded["labels"].tolist() == [[encoding.classes.index("perpetrator"), 0, 0, 0, 0]]
