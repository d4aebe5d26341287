"""Partially annotated documents: allowed tag sets, the partial-label loss, its collator and Trainer.

A public corpus marks some project labels exhaustively (``meta["annotated_labels"]``, set by the
readers and the mappings); for any other label a span is positive evidence, and unmarked text is
"not annotated", not ``O``. With ``data.partial_annotation: mask`` the tagger learns such a
document from the set of tags each word may have:

- a word inside a marked span: only its own tag;
- an unmarked word: ``O`` or ``B-X``/``I-X`` for every label ``X`` the corpus does not annotate,
  except that the word right after a marked span takes no ``I-`` tag (it would continue the span
  past its marked end, or start a span with ``I-``).

The loss of a word is ``-log sum(p(t) for t in allowed)`` (the partial-label or "fuzzy" loss; with
one allowed tag it is cross-entropy), averaged over the words whose set excludes at least one tag;
a word allowed every tag says nothing and is left out, like a ``-100`` label. Sets travel as one
int per token, a bitmask over the model's tag ids (``0`` where the token carries no label).

>>> from toll.models.text.schema import Schema
>>> schema = Schema.load()
>>> tags = ["B-LOCATION", "O", "O"]   # "Aleppo was shelled"; re3d annotates LOCATION, DATE, WEAPON
>>> sets = word_allowed_tags(tags, ["LOCATION", "DATE", "WEAPON"], schema)
>>> tag_names(sets[0], schema)
['B-LOCATION']
>>> tag_names(sets[1], schema)        # right after the span: no I- tag
['O', 'B-KILLED', 'B-INJURED', 'B-CASUALTIES', 'B-ACTOR', 'B-SOURCE']
>>> tag_names(sets[2], schema)[:5], len(tag_names(sets[2], schema))
(['O', 'B-KILLED', 'I-KILLED', 'B-INJURED', 'I-INJURED'], 11)
"""

from __future__ import annotations

from typing import Sequence

import torch
from transformers import DataCollatorForTokenClassification, Trainer

from toll.models.text.document import Document
from toll.models.common.errors import ConfigError
from toll.models.text.schema import Schema

ALLOWED = "allowed_tags"  # the dataset column and batch key


def unannotated_labels(doc: Document, schema: Schema) -> list[str]:
    """Schema labels ``doc`` does not mark exhaustively; [] for the project's own documents."""
    annotated = doc.meta.get("annotated_labels")
    if annotated is None:
        return []
    return [label for label in schema.entity_labels if label not in set(annotated)]


def word_allowed_tags(tags: Sequence[str], annotated: Sequence[str], schema: Schema) -> list[int]:
    """Bitmask of allowed tag ids per word from the word's IOB2 tag (``O``: unmarked)."""
    index = {t: i for i, t in enumerate(schema.iob2_labels())}
    if len(index) > 62:
        raise ConfigError(f"schema {schema.name}: {len(index)} tags do not fit a 62-bit tag mask")
    open_labels = [label for label in schema.entity_labels if label not in set(annotated)]
    unmarked = 1 << index["O"]
    for label in open_labels:
        unmarked |= 1 << index[f"B-{label}"] | 1 << index[f"I-{label}"]
    after_span = 1 << index["O"]
    for label in open_labels:
        after_span |= 1 << index[f"B-{label}"]
    masks = []
    for w, tag in enumerate(tags):
        if tag != "O":
            masks.append(1 << index[tag])
        elif w > 0 and tags[w - 1] != "O":
            masks.append(after_span)
        else:
            masks.append(unmarked)
    return masks


def tag_names(mask: int, schema: Schema) -> list[str]:
    """The tags a mask allows, in the schema's tag order (for tests and reports)."""
    return [t for i, t in enumerate(schema.iob2_labels()) if mask >> i & 1]


def rules_out_a_tag(mask: int, n_tags: int) -> bool:
    """Whether one token's set says anything (0: the token carries no label; all bits: any tag)."""
    return mask != 0 and mask != (1 << n_tags) - 1


def informative(allowed: torch.Tensor, n_tags: int) -> torch.Tensor:
    """Tokens whose set rules out at least one tag (0: no label, all bits: says nothing)."""
    return (allowed != 0) & (allowed != (1 << n_tags) - 1)


def partial_label_nll(logits: torch.Tensor, allowed: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Per-token ``-log sum(p(t), t allowed)`` ([B, T], 0 where not informative) and the informative mask."""
    n_tags = logits.size(-1)
    counted = informative(allowed, n_tags)
    bits = (allowed.unsqueeze(-1) >> torch.arange(n_tags, device=allowed.device)) & 1
    bits = bits.bool() | ~counted.unsqueeze(-1)  # uncounted tokens: every tag, so no -inf anywhere
    log_probs = logits.float().log_softmax(dim=-1)
    log_allowed = log_probs.masked_fill(~bits, float("-inf")).logsumexp(dim=-1)
    return torch.where(counted, -log_allowed, torch.zeros_like(log_allowed)), counted


def partial_label_loss(logits: torch.Tensor, allowed: torch.Tensor) -> torch.Tensor:
    """Mean partial-label loss over informative tokens (cross-entropy where one tag is allowed).

    >>> logits = torch.tensor([[[2.0, 1.0, 0.0], [2.0, 1.0, 0.0]]])
    >>> round(partial_label_loss(logits, torch.tensor([[0b001, 0]])).item(), 4)   # CE of tag 0
    0.4076
    >>> round(partial_label_loss(logits, torch.tensor([[0b011, 0b111]])).item(), 4)  # -log(p0 + p1)
    0.0943
    """
    nll, counted = partial_label_nll(logits, allowed)
    return nll.sum() / counted.sum().clamp(min=1)


class PartialLabelCollator(DataCollatorForTokenClassification):
    """``DataCollatorForTokenClassification`` that also pads ``allowed_tags`` (with 0: no label)."""

    def torch_call(self, features):
        if not features or ALLOWED not in features[0]:
            return super().torch_call(features)
        allowed = [f[ALLOWED] for f in features]
        batch = super().torch_call([{k: v for k, v in f.items() if k != ALLOWED} for f in features])
        length = batch["input_ids"].shape[1]
        pad = [[0] * (length - len(a)) for a in allowed]
        rows = [a + p if self.tokenizer.padding_side == "right" else p + a for a, p in zip(allowed, pad)]
        batch[ALLOWED] = torch.tensor(rows, dtype=torch.int64)
        return batch


class PartialLabelTrainer(Trainer):
    """A ``Trainer`` whose training loss is :func:`partial_label_loss` for batches with ``allowed_tags``.

    The model is the plain token classifier (saved, checkpointed and resumed as usual); only the
    loss changes. The loss is a per-batch mean, so ``training_step`` divides it by the gradient
    accumulation steps; under DDP the gradients of the ranks' means are averaged. Batches without
    ``allowed_tags`` (the dev set) use the model's own cross-entropy.
    """

    loss_is_scaled_for_ga = False

    def compute_loss(self, model, inputs, return_outputs=False, num_items_in_batch=None):
        allowed = inputs.pop(ALLOWED, None)
        if allowed is None:
            return super().compute_loss(model, inputs, return_outputs, num_items_in_batch)
        inputs = {k: v for k, v in inputs.items() if k != "labels"}
        outputs = model(**inputs)
        loss = partial_label_loss(outputs["logits"], allowed)
        return (loss, outputs) if return_outputs else loss
