"""Character spans <-> subword tokens: one set of pure functions for training and inference.

Policy (the Hugging Face ``run_ner`` one): a word is what the tokenizer's pre-tokenizer calls a
word (``word_ids()``); its first subword carries the word's IOB2 tag, later subwords and special
tokens carry ``-100``. A span that starts or ends inside a word is snapped outward to whole words
and counted as misaligned; a span covering no token is counted as dropped. Nothing is silent.

>>> from toll.models.networks.encoders import load_tokenizer
>>> tok = tokenize(load_tokenizer("bundled:minilm-l6"), "Gunmen killed 18 in Kunduz.")
>>> [tok.text[s:e] for s, e in tok.word_spans]
['Gunmen', 'killed', '18', 'in', 'Kunduz', '.']
>>> from toll.models.text.document import Entity
>>> tags, report = word_tags(tok, [Entity("c1", 14, 16, "INJURED"), Entity("l1", 20, 26, "LOCATION")])
>>> tags
['O', 'O', 'B-INJURED', 'O', 'B-LOCATION', 'O']
>>> spans_from_word_tags(tok, tags)
[(14, 16, 'INJURED', 2, 3), (20, 26, 'LOCATION', 4, 5)]
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from typing import Iterable, Sequence

from toll.models.text.document import Entity

IGNORE = -100


@dataclass(frozen=True)
class TokenizedText:
    """A text tokenized once, without special tokens; windows slice it."""

    text: str
    input_ids: list[int]
    offsets: list[tuple[int, int]]
    token_words: list[int]  # word index of each token
    word_spans: list[tuple[int, int]]  # character span of each word
    word_first_token: list[int]  # index of each word's first token

    @property
    def n_tokens(self) -> int:
        return len(self.input_ids)


CASE_MARKER = "[CAP]"


def case_marker_id(tokenizer) -> int | None:
    """The id of the capitalization marker if this tokenizer was trained with it, else None."""
    return tokenizer.get_added_vocab().get(CASE_MARKER)


def tokenize(tokenizer, text: str, case_marker: int | None = None) -> TokenizedText:
    """Tokenize a whole text with a fast tokenizer, keeping offsets and word boundaries.

    With ``case_marker`` (a token id), a marker token is put before every word that starts with a
    capital letter: uncased encoders lower-case their input, and capitalization is a strong cue
    for names. The marker is the word's first token, so it carries the word's label.
    """
    enc = tokenizer(text, add_special_tokens=False, return_offsets_mapping=True, verbose=False)
    word_ids = enc.word_ids()
    input_ids: list[int] = []
    offsets: list[tuple[int, int]] = []
    token_words: list[int] = []
    word_spans: list[tuple[int, int]] = []
    word_first_token: list[int] = []
    last_word = None
    for token_id, (start, end), wid in zip(enc["input_ids"], enc["offset_mapping"], word_ids):
        if wid is None or end <= start:
            continue  # tokens that cover no character cannot carry a label
        if wid != last_word:
            word_spans.append((start, end))
            word_first_token.append(len(input_ids))
            last_word = wid
            if case_marker is not None and text[start].isupper():
                input_ids.append(case_marker)
                offsets.append((start, start))
                token_words.append(len(word_spans) - 1)
        else:
            word_spans[-1] = (word_spans[-1][0], max(word_spans[-1][1], end))
        input_ids.append(token_id)
        offsets.append((start, end))
        token_words.append(len(word_spans) - 1)
    return TokenizedText(text, input_ids, offsets, token_words, word_spans, word_first_token)


@dataclass
class AlignmentReport:
    """What happened to each span on the way to word tags."""

    spans: int = 0
    misaligned: list[str] = field(default_factory=list)  # snapped outward to word boundaries
    dropped: list[str] = field(default_factory=list)  # covered no token, or clashed with another

    def merge(self, other: "AlignmentReport") -> None:
        self.spans += other.spans
        self.misaligned += other.misaligned
        self.dropped += other.dropped


def word_tags(tok: TokenizedText, entities: Iterable[Entity]) -> tuple[list[str], AlignmentReport]:
    """IOB2 tag per word for entities given as character spans."""
    tags = ["O"] * len(tok.word_spans)
    report = AlignmentReport()
    starts = [s for s, _ in tok.word_spans]
    for e in sorted(entities, key=lambda e: (e.start, e.end)):
        report.spans += 1
        desc = f"{e.id} {e.label} [{e.start}, {e.end}) {tok.text[e.start:e.end]!r}"
        first = bisect.bisect_right(starts, e.start) - 1
        if first < 0 or tok.word_spans[first][1] <= e.start:
            first += 1
        last = bisect.bisect_left(starts, e.end) - 1
        if first > last or first >= len(tok.word_spans):
            report.dropped.append(f"{desc}: covers no token")
            continue
        if any(tags[w] != "O" for w in range(first, last + 1)):
            report.dropped.append(f"{desc}: shares a word with another span")
            continue
        if tok.word_spans[first][0] != e.start or tok.word_spans[last][1] != e.end:
            report.misaligned.append(
                f"{desc}: snapped to {tok.text[tok.word_spans[first][0]:tok.word_spans[last][1]]!r}"
            )
        tags[first] = f"B-{e.label}"
        for w in range(first + 1, last + 1):
            tags[w] = f"I-{e.label}"
    return tags, report


@dataclass(frozen=True)
class Window:
    """Tokens ``[start, end)`` fed to the encoder together; predictions of ``[own_start, own_end)``
    are taken from this window (overlaps go to the window where the token is more central)."""

    start: int
    end: int
    own_start: int
    own_end: int


def make_windows(
    tok: TokenizedText,
    sentences: Sequence[tuple[int, int]],
    max_tokens: int,
    overlap_sentences: int = 1,
    keep_together: Iterable[tuple[int, int]] = (),
) -> list[Window]:
    """Pack whole sentences into windows of at most ``max_tokens`` tokens (special tokens not
    counted), overlapping by ``overlap_sentences``. A sentence longer than a window is cut at word
    boundaries with a half-window overlap. Character spans in ``keep_together`` (gold entities
    during training) are never cut between sentences.
    """
    if tok.n_tokens == 0:
        return []
    units = _sentence_token_ranges(tok, sentences, keep_together)
    pieces: list[tuple[int, int]] = []
    for start, end in units:
        if end - start <= max_tokens:
            pieces.append((start, end))
        else:
            pieces.extend(_split_long(tok, start, end, max_tokens))
    raw: list[tuple[int, int]] = []
    i = 0
    while i < len(pieces):
        j = i
        while j + 1 < len(pieces) and pieces[j + 1][1] - pieces[i][0] <= max_tokens:
            j += 1
        raw.append((pieces[i][0], pieces[j][1]))
        if j + 1 >= len(pieces):
            break
        i = max(i + 1, j + 1 - overlap_sentences)
    return _assign_ownership(raw)


def _sentence_token_ranges(tok, sentences, keep_together) -> list[tuple[int, int]]:
    """Token ranges of sentences, merged where a kept-together span crosses a boundary, and
    covering every token (text between sentences joins the following sentence)."""
    token_starts = [s for s, _ in tok.offsets]
    cuts = set()
    for _, s_end in sentences[:-1] if sentences else []:
        cuts.add(bisect.bisect_left(token_starts, s_end))
    for start, end in keep_together:
        lo = bisect.bisect_left(token_starts, start)
        hi = bisect.bisect_left(token_starts, end)
        cuts -= set(range(lo + 1, hi + 1))
    # never cut inside a word
    cuts = {c for c in cuts if 0 < c < tok.n_tokens and tok.token_words[c] != tok.token_words[c - 1]}
    bounds = [0, *sorted(cuts), tok.n_tokens]
    return [(a, b) for a, b in zip(bounds, bounds[1:]) if b > a]


def _split_long(tok: TokenizedText, start: int, end: int, max_tokens: int) -> list[tuple[int, int]]:
    """Cut one over-long sentence into word-aligned chunks overlapping by about half a window."""
    chunks = []
    pos = start
    stride = max(1, max_tokens // 2)
    while True:
        stop = min(end, pos + max_tokens)
        while stop < end and stop > pos + 1 and tok.token_words[stop] == tok.token_words[stop - 1]:
            stop -= 1
        chunks.append((pos, stop))
        if stop >= end:
            return chunks
        nxt = min(pos + stride, stop)
        while nxt > pos + 1 and tok.token_words[nxt] == tok.token_words[nxt - 1]:
            nxt -= 1
        pos = nxt if nxt > pos else stop


def _assign_ownership(raw: list[tuple[int, int]]) -> list[Window]:
    windows = []
    for k, (start, end) in enumerate(raw):
        own_start = start if k == 0 else max(start, (start + raw[k - 1][1]) // 2)
        own_end = end if k == len(raw) - 1 else min(end, (raw[k + 1][0] + end) // 2)
        windows.append(Window(start, end, own_start, own_end))
    # make owned ranges contiguous
    for k in range(1, len(windows)):
        prev = windows[k - 1]
        cur = windows[k]
        windows[k] = Window(cur.start, cur.end, prev.own_end, cur.own_end)
    return windows


def window_token_labels(
    tok: TokenizedText, window: Window, tag_ids: Sequence[int]
) -> list[int]:
    """Labels for ``[CLS] tokens [SEP]``: the word's tag id on its first subword, else -100."""
    labels = [IGNORE]
    for t in range(window.start, window.end):
        word = tok.token_words[t]
        labels.append(tag_ids[word] if tok.word_first_token[word] == t else IGNORE)
    labels.append(IGNORE)
    return labels


def spans_from_word_tags(tok: TokenizedText, tags: Sequence[str]) -> list[tuple[int, int, str, int, int]]:
    """Decode IOB2 word tags into ``(char_start, char_end, label, first_word, end_word)``.

    Strict IOB2: an ``I-X`` that does not continue an ``X`` span starts nothing (use
    :func:`toll.models.networks.decoding.viterbi_tags` first to get a valid sequence)."""
    spans = []
    current: list | None = None
    for w, tag in enumerate(tags):
        if tag.startswith("B-") or tag == "O" or (current and tag[2:] != current[2]):
            if current:
                spans.append(tuple(current))
                current = None
        if tag.startswith("B-"):
            current = [tok.word_spans[w][0], tok.word_spans[w][1], tag[2:], w, w + 1]
        elif tag.startswith("I-") and current and tag[2:] == current[2]:
            current[1] = tok.word_spans[w][1]
            current[4] = w + 1
    if current:
        spans.append(tuple(current))
    return spans
