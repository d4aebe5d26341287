"""Write the trained model directory: weights, labels, schema, config, training log, manifest,
score calibration, decision thresholds, metrics and the model card (rendered by :mod:`toll.training.model_card`)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from toll.models.common.atomic import replace_dir
from toll.models.common.yaml_config import dump_config
from toll.models.inference.integrity import write_manifest
from toll.models.inference.model_dir import ModelLabels
from toll.models.text.schema import Schema
from toll.training.calibration import calibrate_model_dir, summary
from toll.training.config import TrainConfig
from toll.training.model_card import render_model_card


def write_model_dir(out: Path, config: TrainConfig, schema: Schema, tagger, tag_tokenizer,
                    relation_model, rel_tokenizer, result: dict, dev_docs=()) -> None:
    """Build the directory beside ``out`` and swap it into place, so a crash leaves the old one.
    With ``dev_docs`` the scores are calibrated on them and the decision thresholds tuned on the
    calibrated scores (:func:`toll.training.calibration.calibrate_model_dir`).

    ``manifest.json`` (:func:`toll.models.inference.integrity.write_manifest`) is written once every file it
    lists is there and before calibrating, so calibration loads the directory as ``toll-predict``
    will, manifest checked; it writes the manifest again with ``calibration.json``. The files
    written after it are the ones it leaves out (``thresholds.json``, ``metrics.json``, the model card)."""
    tmp = out.with_name(out.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    tagger.save_pretrained(tmp / "tagger")
    tag_tokenizer.save_pretrained(tmp / "tagger")
    relation_model.save(tmp / "relation")
    rel_tokenizer.save_pretrained(tmp / "relation")
    (tmp / "schema.yaml").write_text(schema.to_yaml(), encoding="utf-8")
    (tmp / "labels.json").write_text(ModelLabels.from_schema(schema).to_json())
    (tmp / "config.yaml").write_text(dump_config(config), encoding="utf-8")
    logs = {stage: result[stage].pop("log_history") for stage in ("tagger", "relations")}
    (tmp / "training_log.json").write_text(json.dumps(logs, indent=1))
    write_manifest(tmp)
    if dev_docs:
        report = calibrate_model_dir(tmp, dev_docs)
        kept = summary(report["thresholds"], report["calibration"])
        result["thresholds"] = {**report["decision_thresholds"], **kept["thresholds"]}
        result["calibration"] = kept["calibration"]
    metrics = {"dev": {"tagger": result["tagger"]["dev"], "relations": result["relations"]["dev"]},
               "training": result}
    (tmp / "metrics.json").write_text(json.dumps(metrics, indent=2, default=str))
    (tmp / "README.md").write_text(render_model_card(config, schema, metrics), encoding="utf-8")
    replace_dir(tmp, out)
