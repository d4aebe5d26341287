"""The public benchmark corpora as the benchmark uses them: how a training set is cut
(:func:`positive_sentences`, :func:`oversample`) and how spans are read as tags over the corpora's own
tokens (whitespace-separated words) for scoring.

The splits themselves come from :func:`toll.training.corpus.readers.public.load_split`.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from dataclasses import replace
from typing import Sequence

from toll.models.text.document import Document
from toll.models.text.sentences import sentence_spans

_WORD = re.compile(r"\S+")


def overlap_tags_on_whitespace_words(doc: Document, entities=None) -> list[str]:
    """IOB2 tags over the document's whitespace-separated words (the CoNLL tokens of re3d).

    A word takes the label of the first entity that overlaps it; ``B-`` where that entity starts. Any
    overlap counts, so a predicted span that ends inside a word tags the whole word (unlike
    :func:`toll.models.text.alignment.word_tags`, which aligns spans to the tokenizer's words and
    reports the spans it had to snap or drop).

    >>> from toll.models.text.document import Entity
    >>> doc = Document("d", "Carter thanked the United States .",
    ...                (Entity("T1", 0, 6, "Person"), Entity("T2", 15, 32, "Organisation")))
    >>> overlap_tags_on_whitespace_words(doc)
    ['B-Person', 'O', 'B-Organisation', 'I-Organisation', 'I-Organisation', 'O']
    """
    entities = sorted(doc.entities if entities is None else entities, key=lambda e: e.start)
    tags, seen = [], set()
    for m in _WORD.finditer(doc.text):
        hit = next((e for e in entities if e.start < m.end() and m.start() < e.end), None)
        if hit is None:
            tags.append("O")
        else:
            tags.append(("I-" if hit.id in seen else "B-") + hit.label)
            seen.add(hit.id)
    return tags


def oversample(docs: Sequence[Document], below: int, max_repeats: int = 4) -> list[Document]:
    """Each document repeated ``ceil(below / n)`` times (at most ``max_repeats``) where ``n`` is the
    training count of its rarest label, when that count is under ``below``.

    >>> from toll.models.text.document import Entity
    >>> rare = Document("r", "x", (Entity("T1", 0, 1, "Money"),))
    >>> common = [Document(str(i), "y", (Entity("T1", 0, 1, "Person"),)) for i in range(9)]
    >>> [d.id for d in oversample([rare, *common], below=3)]
    ['r', 'r', 'r', '0', '1', '2', '3', '4', '5', '6', '7', '8']
    """
    if below <= 0:
        return list(docs)
    counts = Counter(e.label for d in docs for e in d.entities)
    out = []
    for doc in docs:
        rarest = min((counts[e.label] for e in doc.entities), default=below)
        out += [doc] * (min(max_repeats, -(-below // rarest)) if rarest < below else 1)
    return out


def positive_sentences(docs: Sequence[Document], negatives_kept: float) -> list[Document]:
    """Training documents cut into sentences: all that hold a span, and a stable ``negatives_kept``
    share of the rest (by the hash of the sentence's id). For corpora whose spans are sparse in long
    documents (MUC-4: most sentences of an article fill no role), so the tagger is not taught
    mostly ``O`` windows. Sentences that a span crosses stay together.

    >>> from toll.models.text.document import Entity
    >>> doc = Document("d", "Rebels attacked. Rain fell. Police fired.", (Entity("T1", 0, 6, "PerpOrg"),))
    >>> [(d.id, d.text, [d.span_text(e) for e in d.entities]) for d in positive_sentences([doc], 0.5)]
    [('d/0', 'Rebels attacked.', ['Rebels']), ('d/2', 'Police fired.', [])]
    """
    if negatives_kept >= 1:
        return list(docs)
    out = []
    for doc in docs:
        for k, (start, end) in enumerate(_merge_crossing(sentence_spans(doc.text), doc.entities)):
            inside = tuple(replace(e, start=e.start - start, end=e.end - start)
                           for e in doc.entities if start <= e.start and e.end <= end)
            sid = f"{doc.id}/{k}"
            keep = inside or int(hashlib.sha1(sid.encode()).hexdigest(), 16) % 10_000 < negatives_kept * 10_000
            if keep:
                out.append(Document(sid, doc.text[start:end], inside, (), dict(doc.meta)))
    return out


def _merge_crossing(sentences: list[tuple[int, int]], entities) -> list[tuple[int, int]]:
    merged: list[list[int]] = []
    for start, end in sentences:
        if merged and any(e.start < merged[-1][1] < e.end for e in entities):
            merged[-1][1] = end
        else:
            merged.append([start, end])
    return [(a, b) for a, b in merged]
