from toll.models.text.alignment import make_windows, spans_from_word_tags, tokenize, window_token_labels, word_tags
from toll.models.text.document import Entity
from toll.models.text.sentences import sentence_spans

TEXT = "Taliban fighters attacked Kunduz, killing 18 civilians."


def ent(id_, text, label, sub, occurrence=0):
    start = -1
    for _ in range(occurrence + 1):
        start = text.index(sub, start + 1)
    return Entity(id_, start, start + len(sub), label)


def test_subword_split_words_get_one_tag(tokenizer):
    tok = tokenize(tokenizer, TEXT)
    # "Kunduz" is three word pieces (kun ##du ##z) but one word
    kunduz = [w for w, (s, e) in enumerate(tok.word_spans) if TEXT[s:e] == "Kunduz"][0]
    first = tok.word_first_token[kunduz]
    assert tok.token_words[first: first + 3] == [kunduz] * 3
    tags, report = word_tags(tok, [ent("l1", TEXT, "LOCATION", "Kunduz")])
    assert tags[kunduz] == "B-LOCATION" and tags.count("O") == len(tags) - 1
    assert report.misaligned == [] and report.dropped == []


def test_punctuation_is_its_own_word(tokenizer):
    tok = tokenize(tokenizer, TEXT)
    words = [TEXT[s:e] for s, e in tok.word_spans]
    assert words[3:5] == ["Kunduz", ","] and words[-1] == "."


def test_span_ending_mid_word_is_snapped_and_reported(tokenizer):
    text = "Kunduzi militiamen fired."
    tok = tokenize(tokenizer, text)
    tags, report = word_tags(tok, [Entity("l1", 0, len("Kunduz"), "LOCATION")])
    assert tags[0] == "B-LOCATION"
    assert len(report.misaligned) == 1 and "snapped to 'Kunduzi'" in report.misaligned[0]


def test_span_over_whitespace_only_is_dropped(tokenizer):
    text = "Two   died."
    tok = tokenize(tokenizer, text)
    _, report = word_tags(tok, [Entity("x", 3, 6, "DATE")])
    assert len(report.dropped) == 1


def test_round_trip_spans_through_word_tags(tokenizer):
    entities = [ent("a1", TEXT, "ACTOR", "Taliban fighters"), ent("c1", TEXT, "KILLED", "18 civilians")]
    tok = tokenize(tokenizer, TEXT)
    tags, _ = word_tags(tok, entities)
    spans = [(s, e, label) for s, e, label, _, _ in spans_from_word_tags(tok, tags)]
    assert spans == [(e.start, e.end, e.label) for e in entities]


def test_labels_only_on_first_subwords(tokenizer):
    tok = tokenize(tokenizer, TEXT)
    tags, _ = word_tags(tok, [ent("l1", TEXT, "LOCATION", "Kunduz")])
    tag_ids = [0 if t == "O" else 1 for t in tags]
    window = make_windows(tok, sentence_spans(TEXT), 100)[0]
    labels = window_token_labels(tok, window, tag_ids)
    assert labels[0] == labels[-1] == -100  # [CLS], [SEP]
    assert len(labels) == tok.n_tokens + 2
    assert sum(1 for x in labels if x != -100) == len(tok.word_spans)


def test_windows_cover_every_token_once_by_ownership(tokenizer):
    text = " ".join(f"Sentence number {i} says that {i} people died in Kunduz." for i in range(40))
    tok = tokenize(tokenizer, text)
    windows = make_windows(tok, sentence_spans(text), 40, overlap_sentences=1)
    assert len(windows) > 5
    assert windows[0].own_start == 0 and windows[-1].own_end == tok.n_tokens
    for a, b in zip(windows, windows[1:]):
        assert a.own_end == b.own_start and b.start < a.end  # contiguous ownership, overlapping windows
    assert all(w.end - w.start <= 40 for w in windows)


def test_long_sentence_is_cut_at_word_boundaries(tokenizer):
    text = "Kunduzi " * 100
    tok = tokenize(tokenizer, text)
    windows = make_windows(tok, sentence_spans(text), 32)
    for w in windows:
        assert w.end - w.start <= 32
        assert w.start == 0 or tok.token_words[w.start] != tok.token_words[w.start - 1]
    assert windows[-1].end == tok.n_tokens


def test_empty_text_has_no_windows(tokenizer):
    assert make_windows(tokenize(tokenizer, ""), [], 64) == []


def test_case_marker_goes_before_capitalized_words_and_carries_the_label():
    from transformers import AutoTokenizer

    from toll.models.text.alignment import CASE_MARKER, case_marker_id
    from toll.models.networks.encoders import resolve_encoder

    tokenizer = AutoTokenizer.from_pretrained(resolve_encoder("bundled:minilm-l6"))
    tokenizer.add_tokens([CASE_MARKER], special_tokens=True)
    marker = case_marker_id(tokenizer)
    tok = tokenize(tokenizer, TEXT, marker)
    plain = tokenize(tokenizer, TEXT)
    assert tok.word_spans == plain.word_spans
    capitalized = [w for w, (s, _) in enumerate(tok.word_spans) if TEXT[s].isupper()]
    assert tok.input_ids.count(marker) == len(capitalized) == 2  # Taliban, Kunduz
    kunduz = capitalized[1]
    assert tok.input_ids[tok.word_first_token[kunduz]] == marker
    tags, _ = word_tags(tok, [ent("l1", TEXT, "LOCATION", "Kunduz")])
    window = make_windows(tok, sentence_spans(TEXT), 100)[0]
    labels = window_token_labels(tok, window, [0 if t == "O" else 1 for t in tags])
    assert labels[1 + tok.word_first_token[kunduz]] == 1  # the marker carries the label
    assert labels[2 + tok.word_first_token[kunduz]] == -100
