"""The two networks: a token classifier (tagger) and a marker-based relation classifier.

Both are plain ``transformers`` encoders; weights are only ever read from safetensors files and
no remote code is run.
"""

from __future__ import annotations

import json
from pathlib import Path

import torch
from torch import nn

from toll.models.common.errors import ModelDirError

RELATION_HEAD_FILE = "relation_head.json"


def load_token_classifier(encoder_path: str, tags: list[str] | None = None):
    """A token classifier on ``encoder_path``; with ``tags`` a fresh head with those labels,
    without them the saved model (its labels come from its own ``config.id2label``)."""
    from transformers import AutoModelForTokenClassification

    if tags is None:
        return AutoModelForTokenClassification.from_pretrained(
            encoder_path, use_safetensors=True, trust_remote_code=False
        )
    return AutoModelForTokenClassification.from_pretrained(
        encoder_path,
        num_labels=len(tags),
        id2label=dict(enumerate(tags)),
        label2id={t: i for i, t in enumerate(tags)},
        use_safetensors=True,
        trust_remote_code=False,
    )


class MarkerRelationModel(nn.Module):
    """Classify (head, tail) pairs from the hidden states at their opening markers.

    ``forward`` takes one row per head: ``head_pos [B]``, ``tail_pos [B, K]`` (padded with 0),
    ``allowed [B, K, C]`` (classes the schema allows for each pair; padding rows all False) and
    optional ``labels [B, K]`` (-100 on padding); it returns ``{"loss", "logits" [B, K, C]}``.
    """

    def __init__(self, encoder, num_classes: int, dropout: float = 0.1):
        super().__init__()
        self.encoder = encoder
        hidden = encoder.config.hidden_size
        self.num_classes = num_classes
        self.dropout = nn.Dropout(dropout)
        self.classifier = nn.Sequential(
            nn.Linear(3 * hidden, hidden), nn.GELU(), nn.Linear(hidden, num_classes)
        )

    @property
    def config(self):
        return self.encoder.config

    def forward(self, input_ids, attention_mask, head_pos, tail_pos, allowed, labels=None):
        hidden = self.encoder(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
        batch = torch.arange(hidden.size(0), device=hidden.device)
        head = hidden[batch, head_pos]  # [B, H]
        tail = hidden[batch[:, None], tail_pos]  # [B, K, H]
        head = head[:, None, :].expand_as(tail)
        features = self.dropout(torch.cat([head, tail, head * tail], dim=-1))
        logits = self.classifier(features).float()
        logits = logits.masked_fill(~allowed, torch.finfo(logits.dtype).min)
        out = {"logits": logits}
        if labels is not None:
            valid = labels != -100
            out["loss"] = nn.functional.cross_entropy(logits[valid], labels[valid]) if valid.any() \
                else logits.sum() * 0.0
        return out

    def save(self, directory: str | Path) -> None:
        from safetensors.torch import save_file

        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        self.encoder.config.save_pretrained(directory)
        state = {k: v.contiguous() for k, v in self.state_dict().items()}
        save_file(state, directory / "model.safetensors")
        (directory / RELATION_HEAD_FILE).write_text(json.dumps({"num_classes": self.num_classes}))

    @classmethod
    def load(cls, directory: str | Path) -> "MarkerRelationModel":
        from safetensors.torch import load_file
        from transformers import AutoConfig, AutoModel

        directory = Path(directory)
        weights = directory / "model.safetensors"
        if not weights.exists():
            raise ModelDirError(f"{directory}: model.safetensors missing (only safetensors is loaded)")
        head = json.loads((directory / RELATION_HEAD_FILE).read_text())
        config = AutoConfig.from_pretrained(directory, trust_remote_code=False)
        model = cls(AutoModel.from_config(config), head["num_classes"])
        state = load_file(weights)
        missing, unexpected = model.load_state_dict(state, strict=False)
        missing = [k for k in missing if not k.endswith("position_ids")]
        if missing or unexpected:
            raise ModelDirError(f"{directory}: weights do not fit the model "
                                f"(missing {missing[:3]}, unexpected {unexpected[:3]})")
        return model.eval()

    @classmethod
    def from_encoder(cls, encoder_path: str, vocab_size: int, num_classes: int) -> "MarkerRelationModel":
        from transformers import AutoModel

        encoder = AutoModel.from_pretrained(encoder_path, use_safetensors=True, trust_remote_code=False)
        encoder.resize_token_embeddings(vocab_size)
        return cls(encoder, num_classes)
