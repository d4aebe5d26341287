"""Relation candidates and their encoder inputs (typed entity markers, the PURE recipe), for
training (:mod:`toll.training.features`) and inference (:mod:`toll.models.networks.relation_classifier`).

One encoder pass per casualty span (the *head*): the head is wrapped in ``[H:LABEL] ... [/H]``, every
other entity in the context in ``[T:LABEL] ... [/T]``, markers inserted at word boundaries before
subword tokenization is looked up. Each candidate tail is then classified from the hidden states of
the head's and the tail's opening markers. Candidates are schema-allowed pairs within
``sentence_window`` sentences; a candidate whose marker would fall outside the encoder window is
skipped and counted, never pointed at ``[CLS]``. :class:`RelationEncoding` holds all of that policy.

>>> from toll.models.text.alignment import tokenize
>>> from toll.models.text.document import Entity
>>> from transformers import AutoTokenizer
>>> from toll.models.networks.encoders import resolve_encoder
>>> schema = Schema.load()
>>> markers = marker_tokens(schema)
>>> markers[:4], markers[-1]
(['[H:KILLED]', '[H:INJURED]', '[H:CASUALTIES]', '[/H]'], '[/T]')
>>> tokenizer = AutoTokenizer.from_pretrained(resolve_encoder("bundled:minilm-l6"))
>>> _ = tokenizer.add_tokens(markers, special_tokens=True)
>>> encoding = RelationEncoding.from_tokenizer(tokenizer, schema, markers, sentence_window=1, max_tokens=64)
>>> text = "Gunmen killed 12 people in Kabul."
>>> entities = [Entity("T1", 0, 6, "ACTOR"), Entity("T2", 14, 23, "KILLED"), Entity("T3", 27, 32, "LOCATION")]
>>> [ex] = build_head_examples(tokenize(tokenizer, text), entities, [(0, len(text))], encoding)
>>> tokenizer.convert_ids_to_tokens(ex.input_ids)
['[CLS]', '[T:ACTOR]', 'gunmen', '[/T]', 'killed', '[H:KILLED]', '12', 'people', '[/H]', 'in', '[T:LOCATION]', 'kabul', '[/T]', '.', '[SEP]']
>>> ex.head_id, ex.head_pos, ex.tail_ids, ex.tail_pos
('T2', 5, ['T1', 'T3'], [1, 10])
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field

from toll.models.text.alignment import TokenizedText
from toll.models.text.document import Entity
from toll.models.text.schema import Schema
from toll.models.text.sentences import sentence_index

NONE_LABEL = "none"


def marker_tokens(schema: Schema) -> list[str]:
    """The marker tokens added to the relation classifier's vocabulary: heads', then tails'."""
    heads = [f"[H:{label}]" for label in schema.casualty_labels] + ["[/H]"]
    tails = [f"[T:{label}]" for label in schema.entity_labels] + ["[/T]"]
    return heads + tails


def relation_label_names(schema: Schema) -> list[str]:
    """Class inventory of the relation classifier: ``none`` first, then the schema's relations."""
    return [NONE_LABEL, *schema.relation_labels]


@dataclass(frozen=True)
class RelationEncoding:
    """Which pairs are candidates and how each head's context becomes token ids.

    ``schema`` gives the allowed (head, tail) label pairs and the classes; ``sentence_window`` is how
    many sentences either side of the head a tail may stand in; ``max_tokens`` caps the marked
    sequence, special tokens included. The ids are the relation tokenizer's.
    """

    schema: Schema
    marker_ids: dict[str, int]
    cls_id: int
    sep_id: int
    pad_id: int
    sentence_window: int
    max_tokens: int

    @classmethod
    def from_tokenizer(cls, tokenizer, schema: Schema, markers: list[str], sentence_window: int,
                       max_tokens: int) -> "RelationEncoding":
        """``tokenizer`` must already hold ``markers`` (added as special tokens)."""
        return cls(schema, {m: tokenizer.convert_tokens_to_ids(m) for m in markers}, tokenizer.cls_token_id,
                   tokenizer.sep_token_id, tokenizer.pad_token_id, sentence_window, max_tokens)

    @property
    def classes(self) -> list[str]:
        return relation_label_names(self.schema)


@dataclass
class HeadExample:
    """Encoder input for one head span and its candidate tails."""

    head_id: str
    input_ids: list[int]
    head_pos: int
    tail_ids: list[str]
    tail_pos: list[int]
    allowed: list[list[bool]]  # per tail, per relation class (none always allowed)
    labels: list[int] = field(default_factory=list)  # per tail, class index (training only)

    def model_inputs(self) -> dict:
        """The row :func:`toll.models.networks.relation_classifier.pad_relation_batch` pads (labels apart)."""
        return {"input_ids": self.input_ids, "head_pos": self.head_pos, "tail_pos": self.tail_pos,
                "allowed": self.allowed}


@dataclass
class CandidateStats:
    heads: int = 0
    candidates: int = 0
    skipped_truncated: int = 0
    gold_outside_candidates: int = 0


class _DocumentView:
    """One tokenized document's entities located in words and sentences (what every head reads)."""

    def __init__(self, tok: TokenizedText, entities: list[Entity], sentences: list[tuple[int, int]]):
        self.tok, self.entities, self.sentences = tok, entities, sentences
        self.ranges = {e.id: _word_range(tok, e) for e in entities}
        self.sentence_of = {e.id: sentence_index(sentences, e.start) for e in entities}
        self.word_starts = [s for s, _ in tok.word_spans]

    def sentence_reach(self, head: Entity, sentence_window: int) -> tuple[int, int]:
        """First and last sentence (inclusive) a tail of ``head`` may stand in."""
        s = self.sentence_of[head.id]
        return max(0, s - sentence_window), min(len(self.sentences) - 1, s + sentence_window)

    def candidate_tails(self, head: Entity, schema: Schema, reach: tuple[int, int]) -> list[Entity]:
        lo_sent, hi_sent = reach
        return [
            t for t in self.entities
            if t.id != head.id and self.ranges[t.id] is not None
            and schema.relations_between(head.label, t.label)
            and lo_sent <= self.sentence_of[t.id] <= hi_sent
        ]

    def context_words(self, reach: tuple[int, int]) -> tuple[int, int]:
        """Words ``[first, end)`` of the sentences in ``reach`` (the whole text without sentences)."""
        lo_sent, hi_sent = reach
        ctx_start_char = self.sentences[lo_sent][0] if self.sentences else 0
        ctx_end_char = self.sentences[hi_sent][1] if self.sentences else len(self.tok.text)
        return (bisect.bisect_left(self.word_starts, ctx_start_char),
                bisect.bisect_left(self.word_starts, ctx_end_char))


def _word_range(tok: TokenizedText, e: Entity) -> tuple[int, int] | None:
    """Words ``[first, end)`` covered by an entity (snapped outward)."""
    words = [w for w, (s, t) in enumerate(tok.word_spans) if s < e.end and t > e.start]
    return (words[0], words[-1] + 1) if words else None


def build_head_examples(
    tok: TokenizedText,
    entities: list[Entity],
    sentences: list[tuple[int, int]],
    encoding: RelationEncoding,
    gold: dict[tuple[str, str], str] | None = None,
    stats: CandidateStats | None = None,
) -> list[HeadExample]:
    """Examples for every casualty head in a document (``gold`` maps (head, tail) -> relation)."""
    stats = stats if stats is not None else CandidateStats()
    schema = encoding.schema
    doc = _DocumentView(tok, entities, sentences)
    examples = []
    for head in entities:
        if schema.casualty_kind(head.label) is None or doc.ranges[head.id] is None:
            continue
        stats.heads += 1
        reach = doc.sentence_reach(head, encoding.sentence_window)
        candidates = doc.candidate_tails(head, schema, reach)
        if gold is not None:
            cand_ids = {t.id for t in candidates}
            stats.gold_outside_candidates += sum(
                1 for (h, t) in gold if h == head.id and t not in cand_ids
            )
        if not candidates:
            continue
        words = _fit_context(doc, head, doc.context_words(reach), encoding.max_tokens)
        ids, positions = _marked_ids(doc, head, words, encoding)
        if len(ids) > encoding.max_tokens or head.id not in positions:
            stats.skipped_truncated += len(candidates)
            continue
        ex = _head_example(head, candidates, ids, positions, encoding, gold, stats)
        if ex is not None:
            examples.append(ex)
    return examples


def _in_context(doc: _DocumentView, words: tuple[int, int]) -> list[Entity]:
    first_word, end_word = words
    return [e for e in doc.entities
            if doc.ranges[e.id] and doc.ranges[e.id][0] >= first_word and doc.ranges[e.id][1] <= end_word]


def _fit_context(doc: _DocumentView, head: Entity, words: tuple[int, int], max_tokens: int) -> tuple[int, int]:
    """Shrink the context words around the head until the marked sequence fits ``max_tokens``
    (or nothing but the head is left)."""
    first_word, end_word = words
    hw0, hw1 = doc.ranges[head.id]
    in_ctx = _in_context(doc, words)
    while True:
        n_marked = sum(1 for e in in_ctx if first_word <= doc.ranges[e.id][0] and doc.ranges[e.id][1] <= end_word)
        n_tokens = _count_tokens(doc.tok, first_word, end_word) + 2 * n_marked + 2
        if n_tokens <= max_tokens or end_word - first_word <= hw1 - hw0:
            break
        # drop a word from the side farther from the head
        if (hw0 - first_word) >= (end_word - hw1):
            first_word += 1
        else:
            end_word -= 1
    return first_word, end_word


def _marked_ids(doc: _DocumentView, head: Entity, words: tuple[int, int],
                encoding: RelationEncoding) -> tuple[list[int], dict[str, int]]:
    """``[CLS]`` + the context words' tokens with every entity inside marked + ``[SEP]``, and the
    position of each entity's opening marker."""
    first_word, end_word = words
    tok, ranges, marker_ids = doc.tok, doc.ranges, encoding.marker_ids
    ids = [encoding.cls_id]
    positions: dict[str, int] = {}
    by_start: dict[int, list[Entity]] = {}
    for e in _in_context(doc, words):
        by_start.setdefault(ranges[e.id][0], []).append(e)
    closing: dict[int, list[str]] = {}
    for w in range(first_word, end_word):
        for e in by_start.get(w, []):
            positions[e.id] = len(ids)
            ids.append(marker_ids[f"[H:{e.label}]" if e.id == head.id else f"[T:{e.label}]"])
            closing.setdefault(ranges[e.id][1] - 1, []).append("[/H]" if e.id == head.id else "[/T]")
        t0 = tok.word_first_token[w]
        t1 = tok.word_first_token[w + 1] if w + 1 < len(tok.word_first_token) else tok.n_tokens
        ids.extend(tok.input_ids[t0:t1])
        for marker in closing.pop(w, []):
            ids.append(marker_ids[marker])
    ids.append(encoding.sep_id)
    return ids, positions


def _head_example(head: Entity, candidates: list[Entity], ids: list[int], positions: dict[str, int],
                  encoding: RelationEncoding, gold: dict[tuple[str, str], str] | None,
                  stats: CandidateStats) -> HeadExample | None:
    """The example of the candidates whose markers made it into ``ids``; None when none did."""
    classes = encoding.classes
    tail_ids, tail_pos, allowed, labels = [], [], [], []
    for t in candidates:
        stats.candidates += 1
        if t.id not in positions:
            stats.skipped_truncated += 1
            continue
        tail_ids.append(t.id)
        tail_pos.append(positions[t.id])
        ok = set(encoding.schema.relations_between(head.label, t.label))
        allowed.append([c == NONE_LABEL or c in ok for c in classes])
        if gold is not None:
            labels.append(classes.index(gold.get((head.id, t.id), NONE_LABEL)))
    if not tail_ids:
        return None
    return HeadExample(head.id, ids, positions[head.id], tail_ids, tail_pos, allowed, labels)


def _count_tokens(tok: TokenizedText, first_word: int, end_word: int) -> int:
    if end_word <= first_word:
        return 0
    t0 = tok.word_first_token[first_word]
    t1 = tok.word_first_token[end_word] if end_word < len(tok.word_first_token) else tok.n_tokens
    return t1 - t0
