"""Documents -> model inputs for the tagger and the relation classifier.

Both use the shared pure functions of :mod:`toll.models.text.alignment` and
:mod:`toll.models.networks.relation_encoding`, the same ones inference uses.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from toll.models.text.alignment import (IGNORE, AlignmentReport, case_marker_id, make_windows, tokenize,
                              window_token_labels, word_tags)
from toll.models.text.document import Document
from toll.models.networks.relation_encoding import CandidateStats, RelationEncoding, build_head_examples
from toll.models.text.schema import Schema
from toll.models.text.sentences import sentence_spans
from toll.training.partial_labels import ALLOWED, rules_out_a_tag, unannotated_labels, word_allowed_tags


@dataclass
class FeatureReport:
    alignment: AlignmentReport = field(default_factory=AlignmentReport)
    candidates: CandidateStats = field(default_factory=CandidateStats)
    windows: int = 0
    heads: int = 0
    uninformative_windows: int = 0  # windows of partially annotated documents allowing every tag: left out


def tagger_features(
    docs: list[Document], tokenizer, schema: Schema, max_tokens: int, overlap_sentences: int,
    report: FeatureReport, mask_unannotated: bool = False,
) -> list[dict]:
    """One row per window: ``input_ids``, ``labels`` (IOB2 ids on first subwords, else -100).

    With ``mask_unannotated`` every row also has ``allowed_tags``: per token the bitmask of the
    tags it may have (:mod:`toll.training.partial_labels`; 0 where ``labels`` is -100). For the
    project's documents that is the one gold tag; for a document that leaves schema labels
    unannotated (``meta["annotated_labels"]``) an unmarked word may also be any tag of those, and
    its windows that allow every tag everywhere are left out (they teach nothing). ``labels`` stay
    the ordinary ones, unmarked words ``O``: without the option that is the naive ``as_o`` method.
    """
    tag_index = {t: i for i, t in enumerate(schema.iob2_labels())}
    n_tags = len(tag_index)
    budget = max_tokens - 2  # [CLS] ... [SEP]
    rows = []
    case_id = case_marker_id(tokenizer)
    for doc in docs:
        tok = tokenize(tokenizer, doc.text, case_id)
        tags, align = word_tags(tok, doc.entities)
        report.alignment.merge(align)
        tag_ids = [tag_index[t] for t in tags]
        masks = None
        if mask_unannotated:
            unannotated = set(unannotated_labels(doc, schema))
            annotated = [label for label in schema.entity_labels if label not in unannotated]
            masks = word_allowed_tags(tags, annotated, schema)
        spans = [(e.start, e.end) for e in doc.entities]
        for window in make_windows(tok, sentence_spans(doc.text), budget, overlap_sentences, spans):
            ids = [tokenizer.cls_token_id, *tok.input_ids[window.start : window.end], tokenizer.sep_token_id]
            row = {"input_ids": ids, "labels": window_token_labels(tok, window, tag_ids), "doc_id": doc.id}
            if masks is not None:
                allowed = [0 if m == IGNORE else m for m in window_token_labels(tok, window, masks)]
                if unannotated and not any(rules_out_a_tag(m, n_tags) for m in allowed):
                    report.uninformative_windows += 1
                    continue
                row[ALLOWED] = allowed
            rows.append(row)
            report.windows += 1
    return rows


def relation_features(docs: list[Document], tokenizer, encoding: RelationEncoding, report: FeatureReport) -> list[dict]:
    """One row per casualty head with its candidate tails and gold classes (``none`` = 0);
    ``encoding`` is made from ``tokenizer`` (:meth:`RelationEncoding.from_tokenizer`)."""
    rows = []
    case_id = case_marker_id(tokenizer)
    for doc in docs:
        tok = tokenize(tokenizer, doc.text, case_id)
        gold = {(r.head, r.tail): r.label for r in doc.relations}
        for ex in build_head_examples(tok, list(doc.entities), sentence_spans(doc.text), encoding,
                                      gold=gold, stats=report.candidates):
            rows.append({**ex.model_inputs(), "labels": ex.labels, "doc_id": doc.id})
            report.heads += 1
    return rows
