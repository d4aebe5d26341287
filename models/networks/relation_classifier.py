"""The relation classifier's batch path: tokenized documents and their entities in, relations out.

Every casualty head of every document becomes one marked encoder input
(:mod:`toll.models.networks.relation_encoding`); the inputs are sorted by length, batched and
padded (:func:`pad_relation_batch`, which training's :class:`RelationCollator` uses too); each
candidate pair gets the class of highest probability, ``none`` meaning no relation. The network is
any function from a padded batch to logits, so the same code serves every inference backend.

>>> import numpy as np
>>> from toll.models.text.alignment import tokenize
>>> from toll.models.text.document import Entity
>>> from toll.models.text.schema import Schema
>>> from transformers import AutoTokenizer
>>> from toll.models.networks.encoders import resolve_encoder
>>> from toll.models.networks.relation_encoding import RelationEncoding, marker_tokens
>>> schema = Schema.load()
>>> tokenizer = AutoTokenizer.from_pretrained(resolve_encoder("bundled:minilm-l6"))
>>> _ = tokenizer.add_tokens(marker_tokens(schema), special_tokens=True)
>>> encoding = RelationEncoding.from_tokenizer(tokenizer, schema, marker_tokens(schema), sentence_window=1,
...                                            max_tokens=64)
>>> def network(batch):  # a stand-in that prefers every relation the schema allows to "none"
...     return np.where(batch["allowed"].numpy(), 1.0, -1e9) - np.eye(6)[0]
>>> classifier = RelationClassifier(encoding, encoding.classes, network)
>>> text = "Gunmen killed 12 people in Kabul."
>>> entities = [Entity("T1", 0, 6, "ACTOR"), Entity("T2", 14, 23, "KILLED"), Entity("T3", 27, 32, "LOCATION")]
>>> classifier.relate([tokenize(tokenizer, text)], [[(0, len(text))]], [entities])[0]
[Relation(head='T2', tail='T1', label='perpetrator', score=0.7311),
 Relation(head='T2', tail='T3', label='location', score=0.7311)]
"""

from __future__ import annotations

import time
from collections import defaultdict
from typing import Callable, Sequence

import numpy as np
import torch

from toll.models.networks.batching import batches, softmax
from toll.models.networks.relation_encoding import RelationEncoding, build_head_examples
from toll.models.text.alignment import TokenizedText
from toll.models.text.document import Entity, Relation

RelationLogitsFn = Callable[[dict[str, torch.Tensor]], np.ndarray]


class RelationClassifier:
    """Marked inputs per casualty head -> network -> per-pair class probabilities -> relations.

    ``classes``: the network's output classes in order, ``none`` first (the model's ``labels.json``).
    ``timings`` collects the seconds spent in the network calls under ``"relation network"``.
    ``score_map`` turns a link's raw score (its class probability) into the reported one (the
    model's calibration, :mod:`toll.models.inference.calibration`); ``min_score`` applies to that.
    """

    def __init__(self, encoding: RelationEncoding, classes: Sequence[str], network: RelationLogitsFn,
                 batch_size: int = 16, timings: dict[str, float] | None = None,
                 score_map: Callable[[float], float] | None = None):
        self.encoding = encoding
        self.classes = list(classes)
        self.network = network
        self.batch_size = batch_size
        self.timings = timings if timings is not None else defaultdict(float)
        self.score_map = score_map

    def relate(self, toks: list[TokenizedText], sentences: list[list[tuple[int, int]]],
               entities: list[list[Entity]], min_score: float = 0.0) -> list[list[Relation]]:
        """Relations per document, scored by their class probability; pairs below ``min_score`` are dropped."""
        jobs = []  # (doc index, head example)
        for d, (tok, sents, ents) in enumerate(zip(toks, sentences, entities)):
            for ex in build_head_examples(tok, ents, sents, self.encoding):
                jobs.append((d, ex))
        jobs.sort(key=lambda j: len(j[1].input_ids))
        results: list[list[Relation]] = [[] for _ in toks]
        for batch in batches(jobs, self.batch_size):
            tensors = pad_relation_batch([ex.model_inputs() for _, ex in batch], self.encoding.pad_id)
            start = time.perf_counter()
            logits = self.network(tensors)
            self.timings["relation network"] += time.perf_counter() - start
            probs = softmax(logits)
            for i, (d, ex) in enumerate(batch):
                for k, tail in enumerate(ex.tail_ids):
                    c = int(probs[i, k].argmax())
                    if c == 0:
                        continue
                    score = float(probs[i, k, c])
                    if self.score_map is not None:
                        score = self.score_map(score)
                    if score >= min_score:
                        results[d].append(Relation(ex.head_id, tail, self.classes[c], round(score, 4)))
        return results


def pad_relation_batch(rows: list[dict], pad_id: int) -> dict[str, torch.Tensor]:
    """Pad token ids to the longest row and candidate lists to the most candidates.

    >>> b = pad_relation_batch([{"input_ids": [1, 5, 2], "head_pos": 1, "tail_pos": [2],
    ...                          "allowed": [[True, False]], "labels": [1]}], pad_id=0)
    >>> b["tail_pos"].tolist(), b["labels"].tolist()
    ([[2]], [[1]])
    """
    length = max(len(r["input_ids"]) for r in rows)
    k = max(len(r["tail_pos"]) for r in rows)
    n_classes = len(rows[0]["allowed"][0])
    ids = torch.full((len(rows), length), pad_id, dtype=torch.long)
    mask = torch.zeros((len(rows), length), dtype=torch.long)
    tail_pos = torch.zeros((len(rows), k), dtype=torch.long)
    allowed = torch.zeros((len(rows), k, n_classes), dtype=torch.bool)
    labels = torch.full((len(rows), k), -100, dtype=torch.long)
    for i, r in enumerate(rows):
        n = len(r["input_ids"])
        ids[i, :n] = torch.tensor(r["input_ids"])
        mask[i, :n] = 1
        m = len(r["tail_pos"])
        tail_pos[i, :m] = torch.tensor(r["tail_pos"])
        allowed[i, :m] = torch.tensor(r["allowed"])
        if r.get("labels"):
            labels[i, :m] = torch.tensor(r["labels"])
    batch = {"input_ids": ids, "attention_mask": mask, "head_pos": torch.tensor([r["head_pos"] for r in rows]),
             "tail_pos": tail_pos, "allowed": allowed}
    if rows[0].get("labels"):
        batch["labels"] = labels
    return batch


class RelationCollator:
    """Training's data collator: the rows of :func:`toll.training.features.relation_features`, padded."""

    def __init__(self, pad_id: int):
        self.pad_id = pad_id

    def __call__(self, rows: list[dict]) -> dict[str, torch.Tensor]:
        return pad_relation_batch(rows, self.pad_id)
