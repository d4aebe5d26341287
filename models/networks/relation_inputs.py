"""Relation candidates and their encoder inputs (typed entity markers, the PURE recipe).

One encoder pass per casualty span (the *head*): the head is wrapped in ``[H:LABEL] ... [/H]``, every
other entity in the context in ``[T:LABEL] ... [/T]``, markers inserted at word boundaries before
subword tokenization is looked up. Each candidate tail is then classified from the hidden states of
the head's and the tail's opening markers. Candidates are schema-allowed pairs within
``sentence_window`` sentences; a candidate whose marker would fall outside the encoder window is
skipped and counted, never pointed at ``[CLS]``.

>>> from toll.models.text.schema import Schema
>>> markers = marker_tokens(Schema.load())
>>> markers[:4], markers[-1]
(['[H:KILLED]', '[H:INJURED]', '[H:CASUALTIES]', '[/H]'], '[/T]')
"""

from __future__ import annotations

from dataclasses import dataclass, field

from toll.models.text.alignment import TokenizedText
from toll.models.text.document import Entity
from toll.models.text.schema import Schema
from toll.models.text.sentences import sentence_index

NONE_LABEL = "none"


def marker_tokens(schema: Schema) -> list[str]:
    heads = [f"[H:{label}]" for label in schema.casualty_labels] + ["[/H]"]
    tails = [f"[T:{label}]" for label in schema.entity_labels] + ["[/T]"]
    return heads + tails


def relation_label_names(schema: Schema) -> list[str]:
    """Class inventory of the relation classifier: ``none`` first, then the schema's relations."""
    return [NONE_LABEL, *schema.relation_labels]


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


@dataclass
class CandidateStats:
    heads: int = 0
    candidates: int = 0
    skipped_truncated: int = 0
    gold_outside_candidates: int = 0


def _word_range(tok: TokenizedText, e: Entity) -> tuple[int, int] | None:
    """Words ``[first, end)`` covered by an entity (snapped outward)."""
    words = [w for w, (s, t) in enumerate(tok.word_spans) if s < e.end and t > e.start]
    return (words[0], words[-1] + 1) if words else None


def build_head_examples(
    tok: TokenizedText,
    entities: list[Entity],
    schema: Schema,
    sentences: list[tuple[int, int]],
    marker_ids: dict[str, int],
    special: tuple[int, int],
    sentence_window: int,
    max_tokens: int,
    gold: dict[tuple[str, str], str] | None = None,
    stats: CandidateStats | None = None,
) -> list[HeadExample]:
    """Examples for every casualty head in a document (``gold`` maps (head, tail) -> relation)."""
    stats = stats if stats is not None else CandidateStats()
    classes = relation_label_names(schema)
    ranges = {e.id: _word_range(tok, e) for e in entities}
    sent_of = {e.id: sentence_index(sentences, e.start) for e in entities}
    word_starts = [s for s, _ in tok.word_spans]
    examples = []
    for head in entities:
        if schema.casualty_kind(head.label) is None or ranges[head.id] is None:
            continue
        stats.heads += 1
        s = sent_of[head.id]
        lo_sent, hi_sent = max(0, s - sentence_window), min(len(sentences) - 1, s + sentence_window)
        candidates = [
            t for t in entities
            if t.id != head.id and ranges[t.id] is not None
            and schema.relations_between(head.label, t.label)
            and lo_sent <= sent_of[t.id] <= hi_sent
        ]
        if gold is not None:
            cand_ids = {t.id for t in candidates}
            stats.gold_outside_candidates += sum(
                1 for (h, t) in gold if h == head.id and t not in cand_ids
            )
        if not candidates:
            continue
        ctx_start_char = sentences[lo_sent][0] if sentences else 0
        ctx_end_char = sentences[hi_sent][1] if sentences else len(tok.text)
        first_word = _first_word_at_or_after(word_starts, ctx_start_char)
        end_word = _first_word_at_or_after(word_starts, ctx_end_char)
        ex = _encode(tok, entities, ranges, head, candidates, first_word, end_word, marker_ids,
                     special, max_tokens, schema, classes, gold, stats)
        if ex is not None:
            examples.append(ex)
    return examples


def _first_word_at_or_after(word_starts: list[int], char: int) -> int:
    import bisect

    return bisect.bisect_left(word_starts, char)


def _encode(tok, entities, ranges, head, candidates, first_word, end_word, marker_ids, special,
            max_tokens, schema, classes, gold, stats) -> HeadExample | None:
    hw0, hw1 = ranges[head.id]
    # Shrink the context around the head until the marked sequence fits.
    in_ctx = [e for e in entities if ranges[e.id] and ranges[e.id][0] >= first_word and ranges[e.id][1] <= end_word]
    while True:
        n_marked = sum(1 for e in in_ctx if first_word <= ranges[e.id][0] and ranges[e.id][1] <= end_word)
        n_tokens = _count_tokens(tok, first_word, end_word) + 2 * n_marked + 2
        if n_tokens <= max_tokens or end_word - first_word <= hw1 - hw0:
            break
        # drop a word from the side farther from the head
        if (hw0 - first_word) >= (end_word - hw1):
            first_word += 1
        else:
            end_word -= 1
    ids = [special[0]]
    positions: dict[str, int] = {}
    by_start = {}
    for e in in_ctx:
        w0, w1 = ranges[e.id]
        if first_word <= w0 and w1 <= end_word:
            by_start.setdefault(w0, []).append(e)
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
    ids.append(special[1])
    if len(ids) > max_tokens or head.id not in positions:
        stats.skipped_truncated += len(candidates)
        return None
    tail_ids, tail_pos, allowed, labels = [], [], [], []
    for t in candidates:
        stats.candidates += 1
        if t.id not in positions:
            stats.skipped_truncated += 1
            continue
        tail_ids.append(t.id)
        tail_pos.append(positions[t.id])
        ok = set(schema.relations_between(head.label, t.label))
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
