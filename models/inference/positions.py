"""What the networks read: real and padding positions per network, counted where the batches meet
the backend, and the words of the documents they came from.

A batch is padded to its longest row; the padding positions cost as much arithmetic as real ones.
:class:`CountedBackend` wraps any backend (:func:`toll.models.inference.backends.load_backend`
returns one) and counts, per network, the rows, the real positions (attention mask 1) and the
padding (mask 0). With the number of words read (:func:`count_words`) that gives the padding share
and the encoder positions per word that ``toll-predict`` reports in its summary.

>>> import torch
>>> counts = NetworkPositions()
>>> counts.add(torch.tensor([[1, 1, 1, 1], [1, 1, 0, 0]]))
>>> counts.record()
{'rows': 2, 'real': 6, 'padding': 2, 'padding_share': 0.25}
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class NetworkPositions:
    """Positions fed to one network: rows, real positions and padding."""

    rows: int = 0
    real: int = 0
    padding: int = 0

    def add(self, attention_mask) -> None:
        real = int(attention_mask.sum())
        self.rows += int(attention_mask.shape[0])
        self.real += real
        self.padding += int(attention_mask.numel()) - real

    @property
    def total(self) -> int:
        return self.real + self.padding

    def record(self) -> dict:
        share = round(self.padding / self.total, 4) if self.total else 0.0
        return {"rows": self.rows, "real": self.real, "padding": self.padding, "padding_share": share}


@dataclass
class PositionCounts:
    """Both networks' positions and the words of the documents they read."""

    tagger: NetworkPositions = field(default_factory=NetworkPositions)
    relation: NetworkPositions = field(default_factory=NetworkPositions)
    words: int = 0

    def record(self) -> dict:
        """The summary's ``positions``: per network, then over both.

        >>> c = PositionCounts(NetworkPositions(2, 12, 4), NetworkPositions(1, 8, 0), words=10)
        >>> c.record()["all"]
        {'real': 20, 'padding': 4, 'padding_share': 0.1667, 'per_word': 2.4}
        """
        total = self.tagger.total + self.relation.total
        padding = self.tagger.padding + self.relation.padding
        return {
            "tagger": self.tagger.record(), "relation": self.relation.record(), "words": self.words,
            "all": {"real": total - padding, "padding": padding,
                    "padding_share": round(padding / total, 4) if total else 0.0,
                    "per_word": round(total / self.words, 3) if self.words else None},
        }

    def in_words(self) -> str:
        """One line for standard error."""
        r = self.record()
        per_word = "-" if r["all"]["per_word"] is None else f"{r['all']['per_word']:.2f}"
        return (f"positions: tagger {self.tagger.total:,} ({100 * r['tagger']['padding_share']:.1f}% padding), "
                f"relation {self.relation.total:,} ({100 * r['relation']['padding_share']:.1f}% padding); "
                f"{self.words:,} words read, {per_word} encoder positions per word")


def count_words(tokenizer, text: str) -> int:
    """Words as the tagger reads them: the fast tokenizer's normalizer and pre-tokenizer (the
    ``word_ids()`` of :func:`toll.models.text.alignment.tokenize`).

    >>> from toll.models.networks.encoders import load_tokenizer
    >>> count_words(load_tokenizer("bundled:minilm-l6"), "Gunmen killed 18 in Kunduz.")
    6
    """
    backend = tokenizer.backend_tokenizer
    normalized = backend.normalizer.normalize_str(text) if backend.normalizer else text
    return len(backend.pre_tokenizer.pre_tokenize_str(normalized)) if backend.pre_tokenizer else len(text.split())


class CountedBackend:
    """A backend that counts the positions it is fed (``.positions``) and says why it was chosen
    (``.choice``: a :class:`toll.models.inference.backends.Choice`); everything else is the
    wrapped backend's."""

    def __init__(self, backend, choice):
        self.inner = backend
        self.choice = choice
        self.name = backend.name
        self.positions = PositionCounts()

    def tagger_logits(self, input_ids, attention_mask):
        self.positions.tagger.add(attention_mask)
        return self.inner.tagger_logits(input_ids, attention_mask)

    def relation_logits(self, batch):
        self.positions.relation.add(batch["attention_mask"])
        return self.inner.relation_logits(batch)

    def __getattr__(self, name: str):
        if name == "inner":  # not set yet (a copy being built): no recursion
            raise AttributeError(name)
        return getattr(self.inner, name)
