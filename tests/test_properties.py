"""Property-based tests: random texts and spans round-trip or are reported, never crash."""

import string

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from toll.models.text.alignment import make_windows, spans_from_word_tags, tokenize, word_tags
from toll.models.counts import normalize_count
from toll.models.text.document import Document, Entity
from toll.models.text.sentences import sentence_spans
from toll.models.text.studio_format import document_to_task, task_to_document

ALPHABET = string.ascii_letters + string.digits + " .,;:-'\"\n()é中ا"
texts = st.text(alphabet=ALPHABET, max_size=300)


@st.composite
def documents(draw):
    text = draw(texts)
    entities = []
    pos = 0
    for i in range(draw(st.integers(0, 6))):
        if pos >= len(text):
            break
        start = draw(st.integers(pos, len(text) - 1))
        end = draw(st.integers(start + 1, min(len(text), start + 40)))
        entities.append(Entity(f"e{i}", start, end, draw(st.sampled_from(["KILLED", "ACTOR", "DATE"]))))
        pos = end
    return Document("d", text, tuple(entities))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(doc=documents())
def test_alignment_round_trips_or_reports(tokenizer, doc):
    tok = tokenize(tokenizer, doc.text)
    tags, report = word_tags(tok, doc.entities)
    decoded = {(s, e, label) for s, e, label, _, _ in spans_from_word_tags(tok, tags)}
    assert report.spans == len(doc.entities)
    reported = {d.split(" ")[0] for d in report.misaligned + report.dropped}
    for e in doc.entities:
        # every span is either recovered exactly or named in the report
        assert (e.start, e.end, e.label) in decoded or e.id in reported


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=texts, budget=st.integers(8, 64), overlap=st.integers(0, 2))
def test_windows_own_every_token_exactly_once(tokenizer, text, budget, overlap):
    tok = tokenize(tokenizer, text)
    windows = make_windows(tok, sentence_spans(text), budget, overlap)
    owned = [t for w in windows for t in range(w.own_start, w.own_end)]
    assert owned == list(range(tok.n_tokens))
    assert all(w.start <= w.own_start <= w.own_end <= w.end and w.end - w.start <= budget for w in windows)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=80))
def test_count_normalizer_never_crashes(text):
    count = normalize_count(text)
    assert count["qualifier"] in {"exact", "at_least", "at_most", "approx", "range", "unknown"}
    if count["qualifier"] == "unknown":
        assert count["value"] is None
    else:
        assert isinstance(count["value"], int)


@settings(max_examples=200, deadline=None)
@given(doc=documents())
def test_label_studio_round_trip(doc):
    problems = []
    again = task_to_document(document_to_task(doc), "prop", problems)
    assert problems == []
    assert again.text == doc.text and again.entities == doc.entities and again.relations == doc.relations
