"""``train(config)``: corpus -> tagger -> relation classifier -> self-contained model directory.

Each stage is a Hugging Face ``Trainer`` run with its own checkpoints under ``OUTPUT.work/``; with
``resume=True`` a finished stage is reused and an interrupted one continues from its last
checkpoint. Under ``torchrun``/``accelerate launch`` every rank trains, rank 0 writes the model.
"""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

from datasets import Dataset
from transformers import DataCollatorForTokenClassification, set_seed
from transformers.trainer_utils import get_last_checkpoint

from models.corpus import load_corpus
from models.alignment import CASE_MARKER
from models.encoders import resolve_encoder
from models.errors import ConfigError, CorpusError
from models.model_dir import ModelLabels
from models.networks import MarkerRelationModel, load_token_classifier
from models.schema import Schema
from models.collate_relations import RelationCollator
from training.config import TrainConfig
from training.features import FeatureReport, relation_features, tagger_features
from training.trainer_setup import (make_trainer, relation_metrics, tagger_metrics,
                                    training_arguments)

DONE = "stage_done.json"


def load_training_documents(config: TrainConfig, schema: Schema):
    corpus = load_corpus(config.data.corpus, config.data.splits, schema, config.data.seeds)
    if corpus.problems:
        shown = "\n".join(f"  {p}" for p in corpus.problems[:20])
        raise CorpusError(f"the corpus has {len(corpus.problems)} problem(s); run toll-train --check:\n{shown}")
    train_docs = corpus.splits.get("train", [])[: config.data.train_limit]
    dev_docs = corpus.splits.get("dev", [])[: config.data.dev_limit]
    if not train_docs or not dev_docs:
        raise CorpusError(f"{config.data.splits}: the train and dev splits must both be non-empty")
    return train_docs, dev_docs


def _run_stage(trainer, stage_dir: Path, resume: bool) -> dict:
    checkpoint = get_last_checkpoint(str(stage_dir)) if resume and stage_dir.exists() else None
    start = time.perf_counter()
    trainer.train(resume_from_checkpoint=checkpoint)
    seconds = time.perf_counter() - start
    metrics = trainer.evaluate()
    return {"seconds": round(seconds, 1), "dev": {k.removeprefix("eval_"): v for k, v in metrics.items()},
            "log_history": trainer.state.log_history, "resumed_from": checkpoint,
            "world_size": trainer.args.world_size}


def tagger_tokenizer(config: TrainConfig):
    """A fresh tokenizer for the encoder, with the capitalization marker when the config asks."""
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(resolve_encoder(config.encoder))
    if not tokenizer.is_fast:
        raise ConfigError(f"encoder {config.encoder!r} has no fast tokenizer; offsets need one")
    if config.case_marker:
        tokenizer.add_tokens([CASE_MARKER], special_tokens=True)
    return tokenizer


def train_tagger(config: TrainConfig, schema: Schema, train_docs, dev_docs, stage_dir: Path, resume: bool):
    tokenizer = tagger_tokenizer(config)
    tags = list(schema.iob2_labels())
    report = FeatureReport()
    w = config.windows
    train_rows = tagger_features(train_docs, tokenizer, schema, w.max_tokens, w.overlap_sentences, report)
    dev_rows = tagger_features(dev_docs, tokenizer, schema, w.max_tokens, 0, FeatureReport())
    model = load_token_classifier(resolve_encoder(config.encoder), tags)
    if len(tokenizer) != model.get_input_embeddings().num_embeddings:
        model.resize_token_embeddings(len(tokenizer), mean_resizing=False)
    args = training_arguments(config, config.tagger, str(stage_dir), group_by_length=True)
    trainer = make_trainer(model, args, Dataset.from_list(train_rows), Dataset.from_list(dev_rows),
                           DataCollatorForTokenClassification(tokenizer), tagger_metrics(tags),
                           config.tagger.patience, tokenizer)
    result = _run_stage(trainer, stage_dir, resume)
    result["alignment"] = {"spans": report.alignment.spans, "misaligned": report.alignment.misaligned,
                           "dropped": report.alignment.dropped}
    result["train_windows"] = report.windows
    return trainer, tokenizer, result


def train_relations(config: TrainConfig, schema: Schema, train_docs, dev_docs, stage_dir: Path, resume: bool):
    labels = ModelLabels.from_schema(schema)
    tokenizer = tagger_tokenizer(config)
    tokenizer.add_tokens(labels.markers, special_tokens=True)  # after [CAP]: ids shared with the tagger
    r = config.relations
    report = FeatureReport()
    train_rows = relation_features(train_docs, tokenizer, schema, labels.markers, r.sentence_window, r.max_tokens, report)
    dev_report = FeatureReport()
    dev_rows = relation_features(dev_docs, tokenizer, schema, labels.markers, r.sentence_window, r.max_tokens, dev_report)
    model = MarkerRelationModel.from_encoder(resolve_encoder(config.encoder), len(tokenizer), len(labels.relations))
    args = training_arguments(config, r, str(stage_dir), group_by_length=True)
    trainer = make_trainer(model, args, Dataset.from_list(train_rows), Dataset.from_list(dev_rows),
                           RelationCollator(tokenizer.pad_token_id), relation_metrics(labels.relations),
                           r.patience, tokenizer)
    result = _run_stage(trainer, stage_dir, resume)
    result["candidates"] = vars(report.candidates)
    result["dev_candidates"] = vars(dev_report.candidates)
    return trainer, tokenizer, result


def train(config: TrainConfig, resume: bool = False) -> Path:
    """Train both models and write the model directory; returns its path."""
    set_seed(config.seed)
    schema = Schema.load(config.schema_path)
    train_docs, dev_docs = load_training_documents(config, schema)
    out = Path(config.output_dir)
    work = out.with_name(out.name + ".work")
    if not resume and work.exists() and int(os.environ.get("RANK", "0")) == 0:
        shutil.rmtree(work, ignore_errors=True)
    started = time.perf_counter()
    tagger_trainer, tag_tokenizer, tagger_result = train_tagger(
        config, schema, train_docs, dev_docs, work / "tagger", resume)
    set_seed(config.seed)
    rel_trainer, rel_tokenizer, rel_result = train_relations(
        config, schema, train_docs, dev_docs, work / "relation", resume)
    total = time.perf_counter() - started
    if tagger_trainer.is_world_process_zero():
        from training.model_card import write_model_dir

        write_model_dir(out, config, schema, tagger_trainer.model, tag_tokenizer, rel_trainer.model,
                        rel_tokenizer, {"tagger": tagger_result, "relations": rel_result,
                                        "seconds_total": round(total, 1),
                                        "train_articles": len(train_docs), "dev_articles": len(dev_docs)})
    return out
