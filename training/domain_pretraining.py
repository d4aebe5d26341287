"""Domain-adaptive pretraining: continue the encoder's masked-language-model training on conflict news.

``python -m toll.training.domain_pretraining --out runs/dapt/encoder`` reads the unlabeled text of the
public corpora's **train and dev** splits (re3d and MUC-4 as ConfliBERT splits them, PolNeAR; no
test text is ever read, so test scores stay honest), cuts it into windows of at most
``--max-tokens`` word pieces, and trains ``AutoModelForMaskedLM`` on 15% masked word pieces with the
``Trainer``. The output folder is a plain Hugging Face encoder (weights, tokenizer) that any config
names as ``encoder: runs/dapt/encoder``, plus ``pretraining.json``: the texts and windows read, the
time, and the masked-LM loss on held-out windows before and after (the evidence that it learned).

The bundled MiniLM was distilled and then trained as a sentence encoder, so it ships without a
masked-LM head: the head's transform starts from random weights (its decoder is tied to the word
embeddings) and the first steps mostly train it.

>>> def word_lengths(text, add_special_tokens):  # a stand-in tokenizer: one id per word, its length
...     return {"input_ids": [len(w) for w in text.split()]}
>>> [w["input_ids"] for w in text_windows(["a bb ccc dddd eeeee ffffff g"], word_lengths, max_tokens=3)]
[[1, 2, 3], [4, 5, 6], [1]]
"""

from __future__ import annotations

import argparse
import json
import math
import random
import shutil
import sys
import time
from pathlib import Path
from typing import Iterable, Sequence

from toll.models.common.atomic import atomic_write_text, replace_dir
from toll.models.networks.encoders import resolve_encoder
from toll.models.common.errors import CorpusError, run_command
from toll.training.corpus.readers.public import PublicCorpusName, load_split

CORPORA: tuple[PublicCorpusName, ...] = ("re3d-conflibert", "muc4-conflibert", "polnear")
SPLITS = ("train", "dev")


def unlabeled_texts(corpora: Sequence[PublicCorpusName] = CORPORA, data_dir: str | Path | None = None) -> list[str]:
    """The texts of the train and dev splits of ``corpora``, read with the benchmark readers."""
    texts = []
    for corpus in corpora:
        for split in SPLITS:
            texts += [d.text for d in load_split(corpus, split, data_dir) if d.text.strip()]
    return texts


def text_windows(texts: Iterable[str], tokenizer, max_tokens: int) -> list[dict]:
    """Consecutive windows of at most ``max_tokens`` word pieces (the special tokens the caller adds
    are not counted: pass ``max_tokens`` two short of the model's window)."""
    windows = []
    for text in texts:
        ids = tokenizer(text, add_special_tokens=False)["input_ids"]
        windows += [{"input_ids": ids[i:i + max_tokens]} for i in range(0, len(ids), max_tokens)]
    return windows


def _warm_up_head(model, args, collator, tokenizer, windows: list[dict], log) -> None:
    """Train the masked-LM head alone (the encoder frozen) on ``windows``, at ten times the learning
    rate: a random head's first gradients would otherwise rewrite the encoder it is meant to adapt."""
    from dataclasses import replace

    from datasets import Dataset
    from transformers import Trainer

    encoder = model.base_model
    for p in encoder.parameters():
        p.requires_grad_(False)
    head_args = replace(args, learning_rate=args.learning_rate * 10, num_train_epochs=1, warmup_steps=0.1)
    Trainer(model=model, args=head_args, data_collator=collator, processing_class=tokenizer,
            train_dataset=Dataset.from_list(windows)).train()
    for p in encoder.parameters():
        p.requires_grad_(True)
    log(f"masked-LM head warmed up on {len(windows)} windows (encoder frozen)")


def pretrain(out: Path, encoder: str = "bundled:minilm-l6", data_dir: str | None = None,
             corpora: Sequence[PublicCorpusName] = CORPORA, max_tokens: int = 128, max_windows: int | None = 6000,
             epochs: float = 1.0, learning_rate: float = 1e-4, batch_size: int = 32, seed: int = 13,
             precision: str = "auto", head_warmup_windows: int = 1000, log=print) -> dict:
    """Continue masked-LM training of ``encoder`` on the corpora's train and dev text; save it to ``out``.

    ``max_windows`` caps the training windows (a seeded random sample; None: all). 5% of the windows
    (at most 300) are held out to measure the masked-LM loss. The head first trains alone on
    ``head_warmup_windows`` of them (0: no warm-up); "before" is measured after that warm-up, so the
    before/after difference is the encoder's adaptation. Returns the facts written to
    ``out/pretraining.json``.
    """
    # imported here, not at the top: torch and transformers (trainer_setup too) would slow `--help`
    import torch
    from datasets import Dataset
    from transformers import (AutoModelForMaskedLM, AutoTokenizer, DataCollatorForLanguageModeling,
                              Trainer, TrainingArguments, set_seed)

    from toll.training.trainer_setup import resolve_precision

    set_seed(seed)
    path = resolve_encoder(encoder)
    tokenizer = AutoTokenizer.from_pretrained(path)
    texts = unlabeled_texts(corpora, data_dir)
    if not texts:
        raise CorpusError(f"no text in the train/dev splits of {', '.join(corpora)}")
    windows = text_windows(texts, tokenizer, max_tokens - 2)
    # [CLS] window [SEP], as BERT read text in pretraining (RoBERTa's <s> and </s> are its cls and sep)
    windows = [{"input_ids": [tokenizer.cls_token_id, *w["input_ids"], tokenizer.sep_token_id]} for w in windows]
    random.Random(seed).shuffle(windows)
    held_out_n = min(300, max(1, len(windows) // 20))
    held_out, train = windows[:held_out_n], windows[held_out_n:]
    if max_windows is not None:
        train = train[:max_windows]
    log(f"{len(texts)} texts, {len(windows)} windows of at most {max_tokens} word pieces; training on "
        f"{len(train)}, {held_out_n} held out")
    model = AutoModelForMaskedLM.from_pretrained(path, use_safetensors=True)
    collator = DataCollatorForLanguageModeling(tokenizer, mlm_probability=0.15, seed=seed)
    work = out.with_name(out.name + ".work")
    args = TrainingArguments(
        output_dir=str(work), seed=seed, num_train_epochs=epochs, learning_rate=learning_rate,
        per_device_train_batch_size=batch_size, per_device_eval_batch_size=batch_size, warmup_steps=0.06,
        weight_decay=0.01, lr_scheduler_type="linear", logging_steps=20, save_strategy="no",
        eval_strategy="no", report_to="none", use_cpu=not torch.cuda.is_available(),
        bf16=resolve_precision(precision) == "bf16", train_sampling_strategy="group_by_length",
        dataloader_num_workers=0)
    trainer = Trainer(model=model, args=args, data_collator=collator, processing_class=tokenizer,
                      train_dataset=Dataset.from_list(train), eval_dataset=Dataset.from_list(held_out))
    start = time.perf_counter()
    if head_warmup_windows:
        _warm_up_head(model, args, collator, tokenizer, train[:head_warmup_windows], log)
    before = trainer.evaluate()["eval_loss"]
    log(f"held-out masked-LM loss before: {before:.3f}")
    trainer.train()
    seconds = time.perf_counter() - start
    after = trainer.evaluate()["eval_loss"]
    log(f"held-out masked-LM loss after: {after:.3f} ({seconds / 60:.1f} min with the head warm-up)")
    tmp = out.with_name(out.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)  # a crashed earlier run's half-written folder
    trainer.save_model(str(tmp))
    tokenizer.save_pretrained(str(tmp))
    facts = {"encoder": encoder, "corpora": list(corpora), "splits": list(SPLITS), "texts": len(texts),
             "windows": len(windows), "train_windows": len(train), "held_out_windows": held_out_n,
             "max_tokens": max_tokens, "epochs": epochs, "learning_rate": learning_rate,
             "batch_size": batch_size, "seed": seed, "precision": resolve_precision(precision),
             "head_warmup_windows": min(head_warmup_windows, len(train)),
             "seconds": round(seconds, 1), "held_out_loss_before": round(before, 4),
             "held_out_loss_after": round(after, 4),
             "held_out_perplexity_before": round(math.exp(before), 2),
             "held_out_perplexity_after": round(math.exp(after), 2)}
    atomic_write_text(tmp / "pretraining.json", json.dumps(facts, indent=2))
    replace_dir(tmp, out)
    shutil.rmtree(work, ignore_errors=True)  # save_strategy "no": only the Trainer's empty run folder
    return facts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m toll.training.domain_pretraining",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True, help="the folder for the adapted encoder")
    parser.add_argument("--encoder", default="bundled:minilm-l6", help="the encoder to adapt")
    parser.add_argument("--data-dir", help="folder holding conflibert/ and polnear/ "
                                           "(default: $TOLL_DATASETS, else ../shared/datasets)")
    parser.add_argument("--corpora", nargs="+", default=list(CORPORA), choices=CORPORA)
    parser.add_argument("--max-tokens", type=int, default=128)
    parser.add_argument("--max-windows", type=int, default=6000, help="training windows at most (0: all)")
    parser.add_argument("--epochs", type=float, default=1.0)
    parser.add_argument("--learning-rate", type=float, default=1e-4)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--head-warmup-windows", type=int, default=1000,
                        help="train the masked-LM head alone on this many windows first (0: no warm-up)")
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--precision", default="auto", choices=("auto", "fp32", "bf16"))
    args = parser.parse_args(argv)

    def body() -> int:
        facts = pretrain(args.out, args.encoder, args.data_dir, args.corpora, args.max_tokens,
                         args.max_windows or None, args.epochs, args.learning_rate, args.batch_size,
                         args.seed, args.precision, args.head_warmup_windows,
                         log=lambda m: print(m, file=sys.stderr, flush=True))
        print(f"wrote {args.out}: held-out masked-LM loss {facts['held_out_loss_before']} -> "
              f"{facts['held_out_loss_after']} in {facts['seconds'] / 60:.1f} min (all facts in "
              f"{args.out / 'pretraining.json'})", file=sys.stderr)
        return 0

    return run_command(body)


if __name__ == "__main__":
    sys.exit(main())
