"""The read-once relation experiment's feature builder (eval/benchmarks/read_once.py): candidate pairs
under today's rule, distance buckets, span pooling, and the head's shapes, on a hand-made document
with fake word states (word ``w`` has the state ``[w, 10 w]``). No model is loaded."""

import numpy as np
import pytest
import torch

from toll.eval.benchmarks.read_once import (HeadConfig, ReadOnceRelations, SpanPairHead, between_vectors,
                                            candidate_pairs, gap_bucket, pair_tensors, sentence_bucket,
                                            span_vectors)
from toll.models.networks.relation_encoding import RelationEncoding, build_head_examples, marker_tokens
from toll.models.text.alignment import tokenize
from toll.models.text.document import Entity

FIRST = "Gunmen killed 12 people in Kabul on Monday."
SECOND = "Police said the Taliban did it."
THIRD = "Separately, 3 were hurt in Herat."
TEXT = f"{FIRST} {SECOND} {THIRD}"
SENTENCES = [(0, len(FIRST)), (len(FIRST) + 1, len(FIRST) + 1 + len(SECOND)), (TEXT.index(THIRD), len(TEXT))]


def span(text: str, label: str, eid: str, nth: int = 0) -> Entity:
    start = TEXT.index(text) if nth == 0 else TEXT.index(text, TEXT.index(text) + 1)
    return Entity(eid, start, start + len(text), label)


ENTITIES = [
    span("Gunmen", "ACTOR", "a1"),
    span("12 people", "KILLED", "k1"),
    span("Kabul", "LOCATION", "l1"),
    span("Monday", "DATE", "d1"),
    span("Police", "SOURCE", "s1"),
    span("the Taliban", "ACTOR", "a2"),
    span("3", "INJURED", "i1"),
    span("Herat", "LOCATION", "l2"),
]
GOLD = {("k1", "a1"): "perpetrator", ("k1", "s1"): "source", ("i1", "l2"): "location"}


@pytest.fixture(scope="module")
def tok(tokenizer):
    return tokenize(tokenizer, TEXT)


def words_of(tok, text: str) -> tuple[int, int]:
    start = TEXT.index(text)
    words = [w for w, (s, e) in enumerate(tok.word_spans) if s < start + len(text) and e > start]
    return words[0], words[-1] + 1


def fake_states(tok) -> np.ndarray:
    return np.array([[w, 10.0 * w] for w in range(len(tok.word_spans))], dtype=np.float32)


def test_candidates_are_schema_pairs_within_the_sentence_window(tok, schema):
    pairs = candidate_pairs(tok, ENTITIES, SENTENCES, schema, sentence_window=1)
    by_head = {}
    for p in pairs:
        by_head.setdefault(p.head_id, []).append(p.tail_id)
    # the killed figure reaches sentences 0 and 1; the injured one sentences 1 and 2; no casualty tail
    assert by_head == {"k1": ["a1", "l1", "d1", "s1", "a2"], "i1": ["s1", "a2", "l2"]}
    wide = candidate_pairs(tok, ENTITIES, SENTENCES, schema, sentence_window=2)
    assert [p.tail_id for p in wide if p.head_id == "k1"][-1] == "l2"


def test_candidates_match_the_marker_models_candidates(tok, schema, tokenizer):
    from transformers import AutoTokenizer

    from toll.models.networks.encoders import resolve_encoder

    rel_tok = AutoTokenizer.from_pretrained(resolve_encoder("bundled:minilm-l6"))
    rel_tok.add_tokens(marker_tokens(schema), special_tokens=True)
    encoding = RelationEncoding.from_tokenizer(rel_tok, schema, marker_tokens(schema), 1, 256)
    examples = build_head_examples(tokenize(rel_tok, TEXT), ENTITIES, SENTENCES, encoding)
    marker_pairs = {(ex.head_id, t) for ex in examples for t in ex.tail_ids}
    assert {(p.head_id, p.tail_id) for p in candidate_pairs(tok, ENTITIES, SENTENCES, schema, 1)} == marker_pairs


def test_distance_buckets_and_direction(tok, schema):
    pairs = {(p.head_id, p.tail_id): p for p in candidate_pairs(tok, ENTITIES, SENTENCES, schema, 1, GOLD)}
    gunmen = pairs[("k1", "a1")]  # "Gunmen killed [12 people]": one word between, before the head
    assert (gunmen.sentence_bucket, gunmen.gap_bucket, gunmen.tail_after) == (0, 1, False)
    kabul = pairs[("k1", "l1")]  # "[12 people] in Kabul": one word between, after
    assert (kabul.sentence_bucket, kabul.gap_bucket, kabul.tail_after) == (0, 1, True)
    police = pairs[("k1", "s1")]  # next sentence: "on Monday ." then "Police": 3 words between
    assert (police.sentence_bucket, police.gap_bucket, police.tail_after) == (1, 2, True)
    assert [sentence_bucket(d) for d in (0, 1, -2, 3, -9)] == [0, 1, 2, 3, 3]
    assert [gap_bucket(g) for g in (0, 2, 5, 10, 20, 40, 41)] == [0, 1, 2, 3, 4, 5, 6]


def test_gold_labels_and_allowed_classes(tok, schema):
    pairs = {(p.head_id, p.tail_id): p for p in candidate_pairs(tok, ENTITIES, SENTENCES, schema, 1, GOLD)}
    # classes: none, perpetrator, source, location, date, weapon
    assert pairs[("k1", "a1")].label == 1 and pairs[("k1", "s1")].label == 2 and pairs[("i1", "l2")].label == 3
    assert pairs[("k1", "a2")].label == 0
    assert pairs[("k1", "a1")].allowed == (True, True, False, False, False, False)


def test_a_two_word_span_pools_mean_first_and_last(tok):
    w0, w1 = words_of(tok, "12 people")
    assert w1 - w0 == 2
    states = fake_states(tok)
    assert span_vectors(states, [(w0, w1)]).tolist() == [[w0 + 0.5, 10 * w0 + 5.0, w0, 10.0 * w0, w0 + 1, 10.0 * (w0 + 1)]]
    assert span_vectors(states, []).shape == (0, 6)


def test_between_is_the_mean_of_the_words_between_either_order(tok, schema):
    pairs = {(p.head_id, p.tail_id): p for p in candidate_pairs(tok, ENTITIES, SENTENCES, schema, 1)}
    states = fake_states(tok)
    kabul, gunmen = pairs[("k1", "l1")], pairs[("k1", "a1")]
    between = between_vectors(states, [kabul, gunmen])
    assert between[0].tolist() == states[kabul.head_words[1]].tolist()  # "in"
    assert between[1].tolist() == states[gunmen.tail_words[1]].tolist()  # "killed"


def test_head_scores_only_allowed_classes(tok, schema):
    torch.manual_seed(0)
    config = HeadConfig(between=True)
    states = np.random.default_rng(0).normal(size=(len(tok.word_spans), 8)).astype(np.float32)
    pairs = candidate_pairs(tok, ENTITIES, SENTENCES, schema, 1, GOLD)
    batch = pair_tensors(states, pairs, list(schema.entity_labels), between=True)
    model = SpanPairHead(8, len(schema.entity_labels), 6, config).eval()
    logits = model(batch["head"], batch["tail"], batch["codes"], batch["allowed"], batch["between"])
    assert logits.shape == (len(pairs), 6)
    assert (logits.argmax(-1) == 0).logical_or(batch["allowed"].gather(1, logits.argmax(-1, keepdim=True))[:, 0]).all()
    relations = ReadOnceRelations(model, schema, config).relate([states], [tok], [SENTENCES], [ENTITIES])
    allowed_tails = {"perpetrator": "ACTOR", "source": "SOURCE", "location": "LOCATION", "date": "DATE",
                     "weapon": "WEAPON"}
    labels = {e.id: e.label for e in ENTITIES}
    assert all(labels[r.tail] == allowed_tails[r.label] for r in relations[0])
    assert ReadOnceRelations(model, schema, config).relate([states[:0]], [tok], [SENTENCES], [[]]) == [[]]


def test_figures_between_and_the_nearest_figure(tok, schema):
    pairs = {(p.head_id, p.tail_id): p for p in candidate_pairs(tok, ENTITIES, SENTENCES, schema, 2)}
    # "Police" is 5 words after "12 people" and 8 words before "3": the killed figure is its nearest
    assert pairs[("k1", "s1")].nearest_figure and not pairs[("i1", "s1")].nearest_figure
    assert pairs[("k1", "s1")].figures_between == 0
    assert pairs[("k1", "l2")].figures_between == 1  # "3" (injured) stands between "12 people" and "Herat"
    assert pairs[("i1", "l2")].figures_between == 0 and pairs[("i1", "l2")].nearest_figure
