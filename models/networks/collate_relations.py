"""Batch padding for the relation classifier, shared by training and inference."""

from __future__ import annotations

import torch

from toll.models.networks.relation_inputs import HeadExample


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


def head_example_row(ex: HeadExample) -> dict:
    return {"input_ids": ex.input_ids, "head_pos": ex.head_pos, "tail_pos": ex.tail_pos,
            "allowed": ex.allowed}


class RelationCollator:
    def __init__(self, pad_id: int):
        self.pad_id = pad_id

    def __call__(self, rows: list[dict]) -> dict[str, torch.Tensor]:
        return pad_relation_batch(rows, self.pad_id)
