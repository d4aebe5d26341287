"""The tagger's batch path: tokenized documents in, entity spans out.

Windows from many documents are sorted by length and batched; each token's probabilities come from
the window that owns it; constrained Viterbi decoding turns word probabilities into IOB2 spans.
The network is any function from ``(input_ids, attention_mask)`` to logits, so the same code serves
the pipeline's backends, the benchmarks' freshly trained models and ensembles of several models.

>>> import numpy as np
>>> from toll.models.text.alignment import tokenize
>>> from transformers import AutoTokenizer
>>> from toll.models.networks.encoders import resolve_encoder
>>> tok = AutoTokenizer.from_pretrained(resolve_encoder("bundled:minilm-l6"))
>>> tags = ["O", "B-LOCATION", "I-LOCATION"]
>>> def network(ids, mask):  # a stand-in that calls every word piece of "kabul" a location
...     logits = np.zeros((*ids.shape, 3), dtype=np.float32)
...     logits[..., 0] = 1.0
...     logits[ids.numpy() == tok.convert_tokens_to_ids("kabul"), 1] = 5.0
...     return logits
>>> tagger = WindowTagger(tok, tags, network, max_tokens=32)
>>> text = "A blast hit Kabul."
>>> [(e.label, text[e.start:e.end]) for e in tagger.tag([tokenize(tok, text)], [[(0, len(text))]])[0]]
[('LOCATION', 'Kabul')]
"""

from __future__ import annotations

import time
from collections import defaultdict
from typing import Callable, Sequence

import numpy as np
import torch

from toll.models.text.alignment import TokenizedText, make_windows, spans_from_word_tags
from toll.models.networks.batching import batches, softmax
from toll.models.networks.decoding import viterbi_tags
from toll.models.text.document import Entity

# A span made of one function word is never an entity in the schema; the tagger produces one
# now and then at the edge of a longer phrase ("placed on [a] bicycle").
FUNCTION_WORDS = frozenset({"a", "an", "the", "of", "and", "or", "in", "on", "at", "to", "by", "for", "with"})

LogitsFn = Callable[[torch.Tensor, torch.Tensor], np.ndarray]


class WindowTagger:
    """Sentence-aligned windows -> network -> per-token probabilities -> Viterbi -> entities.

    ``networks``: one logits function, or several whose probabilities are averaged (an ensemble).
    ``timings`` collects the seconds spent in the network calls under ``"tagger network"``.
    ``score_map`` turns a span's raw score into the reported one (the model's calibration,
    :mod:`toll.models.inference.calibration`); ``min_score`` applies to the reported score.
    """

    def __init__(self, tokenizer, tags: Sequence[str], networks: LogitsFn | Sequence[LogitsFn],
                 max_tokens: int = 128, overlap_sentences: int = 1, batch_size: int = 16,
                 timings: dict[str, float] | None = None, score_map: Callable[[float], float] | None = None):
        self.tokenizer = tokenizer
        self.tags = list(tags)
        self.networks = [networks] if callable(networks) else list(networks)
        self.max_tokens = max_tokens
        self.overlap = overlap_sentences
        self.batch_size = batch_size
        self.timings = timings if timings is not None else defaultdict(float)
        self.score_map = score_map

    def tag(self, toks: list[TokenizedText], sentences: list[list[tuple[int, int]]],
            min_score: float = 0.0) -> list[list[Entity]]:
        """Entities per document; ``sentences`` are each document's sentence character spans."""
        return [self.decode(tok, probs, min_score) for tok, probs in zip(toks, self.token_probabilities(toks, sentences))]

    def token_probabilities(self, toks: list[TokenizedText], sentences) -> list[np.ndarray]:
        """``[n_tokens, n_tags]`` probabilities per document, each token from the window owning it."""
        jobs = []  # (doc index, window)
        for d, (tok, sents) in enumerate(zip(toks, sentences)):
            for w in make_windows(tok, sents, self.max_tokens - 2, self.overlap):
                jobs.append((d, w))
        token_probs = [np.zeros((t.n_tokens, len(self.tags)), dtype=np.float32) for t in toks]
        jobs.sort(key=lambda j: j[1].end - j[1].start)
        tk = self.tokenizer
        for batch in batches(jobs, self.batch_size):
            ids, mask = window_inputs(tk, toks, batch)
            start = time.perf_counter()
            probs = sum(softmax(network(ids, mask)) for network in self.networks) / len(self.networks)
            self.timings["tagger network"] += time.perf_counter() - start
            for i, (d, w) in enumerate(batch):
                a, b = w.own_start, w.own_end
                token_probs[d][a:b] = probs[i, 1 + a - w.start : 1 + b - w.start]
        return token_probs

    def decode(self, tok: TokenizedText, token_probs: np.ndarray, min_score: float = 0.0) -> list[Entity]:
        """Viterbi over the words' first-token probabilities; a span's raw score is its mean tag
        probability, reported through ``score_map``."""
        if not tok.word_spans:
            return []
        word_probs = token_probs[tok.word_first_token]
        best = viterbi_tags(np.log(np.clip(word_probs, 1e-9, 1.0)), self.tags)
        tags = [self.tags[i] for i in best]
        entities = []
        for k, (start, end, label, w0, w1) in enumerate(spans_from_word_tags(tok, tags), 1):
            score = float(np.mean([word_probs[w, best[w]] for w in range(w0, w1)]))
            if self.score_map is not None:
                score = self.score_map(score)
            if score >= min_score and tok.text[start:end].lower() not in FUNCTION_WORDS:
                entities.append(Entity(f"T{k}", start, end, label, round(score, 4)))
        return entities


def window_inputs(tokenizer, toks: Sequence[TokenizedText], batch) -> tuple[torch.Tensor, torch.Tensor]:
    """Input ids and attention mask of a batch of ``(document index, window)`` jobs: each window's
    tokens between ``[CLS]`` and ``[SEP]``, padded to the longest in the batch."""
    length = max(w.end - w.start for _, w in batch) + 2
    ids = torch.full((len(batch), length), tokenizer.pad_token_id, dtype=torch.long)
    mask = torch.zeros((len(batch), length), dtype=torch.long)
    for i, (d, w) in enumerate(batch):
        row = [tokenizer.cls_token_id, *toks[d].input_ids[w.start : w.end], tokenizer.sep_token_id]
        ids[i, : len(row)] = torch.tensor(row)
        mask[i, : len(row)] = 1
    return ids, mask


def torch_logits_fn(model, device: str = "cpu") -> LogitsFn:
    """A logits function for a ``transformers`` token classifier (eval mode, no gradients)."""
    model = model.to(device).eval()

    @torch.inference_mode()
    def run(input_ids: torch.Tensor, attention_mask: torch.Tensor) -> np.ndarray:
        out = model(input_ids=input_ids.to(device), attention_mask=attention_mask.to(device))
        return out.logits.float().cpu().numpy()

    return run
