"""``train(config)``: corpus -> tagger -> relation classifier -> self-contained model directory.

The tagger also learns from the public corpora of ``data.public`` (mapped onto the schema, partial
annotation handled as ``data.partial_annotation`` says); the relation classifier, dev and test use
the project's corpus only.

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
from transformers import AutoTokenizer, DataCollatorForTokenClassification, Trainer, set_seed
from transformers.trainer_utils import get_last_checkpoint

from toll.models.common.errors import ConfigError, CorpusError
from toll.models.common.machine import machine, machine_in_words
from toll.models.text.alignment import CASE_MARKER
from toll.models.networks.encoders import resolve_encoder
from toll.models.inference.model_dir import ModelLabels
from toll.models.networks.heads import MarkerRelationModel, load_token_classifier
from toll.models.networks.relation_classifier import RelationCollator
from toll.models.networks.relation_encoding import RelationEncoding
from toll.models.text.schema import Schema
from toll.training.corpus.project import load_project_corpus
from toll.training.config import TrainConfig
from toll.training.features import FeatureReport, relation_features, tagger_features
from toll.training.model_card import source_counts
from toll.training.model_writer import write_model_dir
from toll.training.partial_labels import ALLOWED, PartialLabelCollator, PartialLabelTrainer, unannotated_labels
from toll.training.corpus.public_data import load_public_sources, source_summary
from toll.training.trainer_setup import (make_trainer, relation_metrics, resolve_precision, tagger_metrics,
                                    training_arguments)


def load_training_documents(config: TrainConfig, schema: Schema):
    corpus = load_project_corpus(config.data, schema)
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
    tokenizer = AutoTokenizer.from_pretrained(resolve_encoder(config.encoder))
    if not tokenizer.is_fast:
        raise ConfigError(f"encoder {config.encoder!r} has no fast tokenizer; offsets need one")
    if config.case_marker:
        tokenizer.add_tokens([CASE_MARKER], special_tokens=True)
    return tokenizer


def masks_unannotated(config: TrainConfig, schema: Schema, public) -> bool:
    """Whether the tagger trains with allowed tag sets and the partial-label loss: under ``mask``
    when a public document leaves some label unannotated. Else the plain rows, collator and
    ``Trainer`` of a project-only run (so ``default.yaml`` and ``smoke.yaml`` train as before)."""
    return config.data.partial_annotation == "mask" and any(
        unannotated_labels(d, schema) for _, docs in public for d in docs)


def train_tagger(config: TrainConfig, schema: Schema, train_docs, dev_docs, stage_dir: Path, resume: bool,
                 public=()):
    """Fine-tune the tagger on ``train_docs`` plus the ``(source, documents)`` pairs of ``public``.

    With ``partial_annotation: mask`` and a public document that leaves labels unannotated, the
    rows carry ``allowed_tags`` and the partial-label loss trains (:mod:`toll.training.partial_labels`);
    otherwise (``as_o``, or no such document) the rows and the ``Trainer`` are the plain ones.
    """
    tokenizer = tagger_tokenizer(config)
    tags = list(schema.iob2_labels())
    mask = masks_unannotated(config, schema, public)
    report = FeatureReport()
    w = config.windows
    train_rows = tagger_features(train_docs, tokenizer, schema, w.max_tokens, w.overlap_sentences, report, mask)
    sources = []
    for source, docs in public:
        source_report = FeatureReport()
        train_rows += tagger_features(docs, tokenizer, schema, w.max_tokens, w.overlap_sentences, source_report, mask)
        sources.append({**source_summary(source, docs), "windows": source_report.windows,
                        "uninformative_windows_left_out": source_report.uninformative_windows,
                        "spans_misaligned": len(source_report.alignment.misaligned),
                        "spans_dropped": len(source_report.alignment.dropped)})
    dev_rows = tagger_features(dev_docs, tokenizer, schema, w.max_tokens, 0, FeatureReport())
    model = load_token_classifier(resolve_encoder(config.encoder), tags)
    if len(tokenizer) != model.get_input_embeddings().num_embeddings:
        model.resize_token_embeddings(len(tokenizer), mean_resizing=False)
    train_set, dev_set = Dataset.from_list(train_rows), Dataset.from_list(dev_rows)
    if mask:  # allowed_tags is no argument of the model's forward: keep it, drop doc_id by hand
        train_set = train_set.select_columns(["input_ids", "labels", ALLOWED])
        dev_set = dev_set.select_columns(["input_ids", "labels"])
    args = training_arguments(config, config.tagger, str(stage_dir), group_by_length=True,
                              remove_unused_columns=not mask)
    trainer = make_trainer(model, args, train_set, dev_set,
                           (PartialLabelCollator if mask else DataCollatorForTokenClassification)(tokenizer),
                           tagger_metrics(tags, schema.casualty_labels), config.tagger.patience, tokenizer,
                           PartialLabelTrainer if mask else Trainer)
    result = _run_stage(trainer, stage_dir, resume)
    result["alignment"] = {"spans": report.alignment.spans, "misaligned": report.alignment.misaligned,
                           "dropped": report.alignment.dropped}
    result["train_windows"] = report.windows + sum(s["windows"] for s in sources)
    if public:
        result["project_windows"] = report.windows
        result["public"] = sources
        result["partial_annotation"] = config.data.partial_annotation
    return trainer, tokenizer, result


def train_relations(config: TrainConfig, schema: Schema, train_docs, dev_docs, stage_dir: Path, resume: bool):
    """The relation classifier, on the project's documents only.

    The public corpora stay out. re3d and PolNeAR have no casualty spans, so no head to link from.
    MUC-4 has heads, but its links are located heuristically from the answer keys (the closest
    mention by characters; organisations held only as POSSIBLE are never linked) between spans
    that are themselves only the key's fills, so a candidate pair without a link is not a
    reliable ``none``; training on its links alone would show the classifier positives only.
    """
    labels = ModelLabels.from_schema(schema)
    tokenizer = tagger_tokenizer(config)
    tokenizer.add_tokens(labels.markers, special_tokens=True)  # after [CAP]: ids shared with the tagger
    r = config.relations
    encoding = RelationEncoding.from_tokenizer(tokenizer, schema, labels.markers, r.sentence_window, r.max_tokens)
    report = FeatureReport()
    train_rows = relation_features(train_docs, tokenizer, encoding, report)
    dev_report = FeatureReport()
    dev_rows = relation_features(dev_docs, tokenizer, encoding, dev_report)
    model = MarkerRelationModel.from_encoder(resolve_encoder(config.encoder), len(tokenizer), len(labels.relations))
    args = training_arguments(config, r, str(stage_dir), group_by_length=True)
    trainer = make_trainer(model, args, Dataset.from_list(train_rows), Dataset.from_list(dev_rows),
                           RelationCollator(encoding.pad_id), relation_metrics(labels.relations),
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
    public = load_public_sources(config.data, schema)
    out = Path(config.output_dir)
    work = out.with_name(out.name + ".work")
    if not resume and work.exists() and int(os.environ.get("RANK", "0")) == 0:
        shutil.rmtree(work, ignore_errors=True)
    started = time.perf_counter()
    tagger_trainer, tag_tokenizer, tagger_result = train_tagger(
        config, schema, train_docs, dev_docs, work / "tagger", resume, public)
    set_seed(config.seed)
    rel_trainer, rel_tokenizer, rel_result = train_relations(
        config, schema, train_docs, dev_docs, work / "relation", resume)
    total = time.perf_counter() - started
    if tagger_trainer.is_world_process_zero():
        write_model_dir(out, config, schema, tagger_trainer.model, tag_tokenizer, rel_trainer.model,
                        rel_tokenizer, {"tagger": tagger_result, "relations": rel_result,
                                        "seconds_total": round(total, 1), "machine": machine_in_words(machine()),
                                        "precision": resolve_precision(config.precision),
                                        "train_articles": len(train_docs), "dev_articles": len(dev_docs),
                                        "train_sources": source_counts(train_docs),
                                        "dev_sources": source_counts(dev_docs)},
                        dev_docs)
    return out
