"""Hugging Face ``Trainer`` set-up shared by the two models: arguments, metrics, early stopping."""

from __future__ import annotations

import os

import numpy as np
import torch
from transformers import EarlyStoppingCallback, Trainer, TrainingArguments

from toll.models.common import machine
from toll.models.scoring import relation_class_scores, strict_entity_scores
from toll.training.config import OptimConfig, TrainConfig


def training_arguments(config: TrainConfig, optim: OptimConfig, work_dir: str, group_by_length: bool,
                       remove_unused_columns: bool = True) -> TrainingArguments:
    """``remove_unused_columns=False`` when the batches carry inputs the model's ``forward`` does not
    take (``allowed_tags`` for :class:`toll.training.partial_labels.PartialLabelTrainer`)."""
    strategy = "steps" if optim.save_steps else "epoch"
    return TrainingArguments(
        output_dir=work_dir,
        seed=config.seed,
        data_seed=config.seed,
        num_train_epochs=optim.epochs,
        max_steps=optim.max_steps,
        learning_rate=optim.learning_rate,
        per_device_train_batch_size=optim.batch_size,
        per_device_eval_batch_size=max(optim.batch_size, 32),
        weight_decay=optim.weight_decay,
        warmup_steps=optim.warmup_ratio,  # transformers 5: a float < 1 is a ratio of total steps
        lr_scheduler_type="linear",
        eval_strategy=strategy,
        save_strategy=strategy,
        eval_steps=optim.save_steps,
        save_steps=optim.save_steps,
        logging_strategy="steps",
        logging_steps=10,
        save_total_limit=2,
        load_best_model_at_end=True,
        metric_for_best_model=getattr(optim, "select_metric", "f1"),  # relations: micro-F1
        greater_is_better=True,
        report_to="none",
        use_cpu=not torch.cuda.is_available(),
        bf16=resolve_precision(config.precision) == "bf16",
        train_sampling_strategy="group_by_length" if group_by_length else "random",
        dataloader_num_workers=0,
        disable_tqdm=False,
        restore_callback_states_from_checkpoint=True,
        ddp_backend=_ddp_backend(),
        remove_unused_columns=remove_unused_columns,
    )


def native_bf16() -> bool:
    """Whether this machine computes bf16 in hardware: a CUDA device that supports it, or a CPU
    with AVX-512 BF16 or AMX (:func:`toll.models.common.machine.native_bf16`, which toll-predict's
    ``--backend auto`` asks too)."""
    return machine.native_bf16() is not None


def resolve_precision(precision: str) -> str:
    """``auto`` -> ``bf16`` where the hardware computes it natively, else ``fp32``: emulated bf16
    is slower than fp32 (an AVX2 CPU) and buys nothing.

    >>> resolve_precision("fp32"), resolve_precision("auto") in ("fp32", "bf16")
    ('fp32', True)
    """
    if precision == "auto":
        return "bf16" if native_bf16() else "fp32"
    return precision


def _ddp_backend() -> str | None:
    """gloo for CPU ranks under torchrun / accelerate launch; the default (NCCL) on GPUs."""
    if int(os.environ.get("WORLD_SIZE", "1")) > 1 and not torch.cuda.is_available():
        return "gloo"
    return None


def argmax_logits(logits, labels):
    """Keep only the argmax so evaluation does not hold every logit in memory."""
    if isinstance(logits, tuple):
        logits = logits[0]
    return logits.argmax(dim=-1)


def tagger_metrics(tags: list[str], casualty_labels: tuple[str, ...] = ()):
    """Dev scores of the tagger: seqeval strict micro P/R/F1, macro-F1, and micro-F1 over the
    casualty labels alone (other labels read as ``O``)."""
    casualty = {f"{p}-{label}" for label in casualty_labels for p in ("B", "I")}

    def compute(eval_pred) -> dict[str, float]:
        preds, labels = eval_pred.predictions, eval_pred.label_ids
        gold_seqs, pred_seqs = [], []
        for p_row, l_row in zip(preds, labels):
            keep = l_row != -100
            gold_seqs.append([tags[i] for i in l_row[keep]])
            pred_seqs.append([tags[i] if i >= 0 else "O" for i in p_row[keep]])
        scores = strict_entity_scores(gold_seqs, pred_seqs)
        out = {"f1": scores["micro"]["f1"], "precision": scores["micro"]["precision"],
               "recall": scores["micro"]["recall"], "macro_f1": scores["macro"]["f1"]}
        if casualty:
            def only(seqs):
                return [[t if t in casualty else "O" for t in seq] for seq in seqs]
            out["casualty_f1"] = strict_entity_scores(only(gold_seqs), only(pred_seqs))["micro"]["f1"]
        return out
    return compute


def relation_metrics(classes: list[str]):
    def compute(eval_pred) -> dict[str, float]:
        scores = relation_class_scores(np.asarray(eval_pred.label_ids), np.asarray(eval_pred.predictions), classes)
        return {k: scores["micro"][k] for k in ("f1", "precision", "recall")}
    return compute


def make_trainer(model, args, train_set, dev_set, collator, metrics, patience: int, tokenizer,
                 trainer_class: type[Trainer] = Trainer) -> Trainer:
    return trainer_class(
        model=model,
        args=args,
        train_dataset=train_set,
        eval_dataset=dev_set,
        data_collator=collator,
        processing_class=tokenizer,
        compute_metrics=metrics,
        preprocess_logits_for_metrics=argmax_logits,
        callbacks=[EarlyStoppingCallback(early_stopping_patience=patience)],
    )
