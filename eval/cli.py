"""``toll-eval --model DIR [--split test | --data FILE_OR_DIR ...] --out DIR``

Evaluate a trained model on annotated articles and write ``report.md``, ``report.html`` (plots
embedded) and ``metrics.json``. By default the data is the split named by ``--split`` of the
corpus in the model's own training config (or ``--config``); ``--data`` takes Label Studio exports
instead. Evaluating the test split also records the scores in the model card.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from toll.eval.comparison import compare_baselines
from toll.eval.evaluate import evaluate
from toll.eval.gold import load_gold_exports, load_gold_split
from toll.eval.report import summary_markdown, write_report
from toll.models.common.atomic import atomic_write_text
from toll.models.common.errors import TollError, run_command
from toll.models.text.schema import Schema
from toll.training.config import load_train_config
from toll.training.model_card import render_model_card


def update_model_card(model_dir: Path, metrics: dict) -> None:
    """Add the test scores to the model's ``metrics.json`` and render its card again with them."""
    saved = json.loads((model_dir / "metrics.json").read_text())
    saved["test"] = {k: metrics[k] for k in ("articles", "casualty_spans", "casualty_records",
                                             "confidence_intervals", "relations_end_to_end",
                                             "relations_gold_entities")}
    saved["test"]["entity_micro_f1"] = metrics["entities"]["seqeval"]["micro"]["f1"]
    saved["test"]["entity_macro_f1"] = metrics["entities"]["seqeval"]["macro"]["f1"]
    atomic_write_text(model_dir / "metrics.json", json.dumps(saved, indent=2, default=str))
    config = load_train_config(model_dir / "config.yaml")
    card = render_model_card(config, Schema.load(model_dir / "schema.yaml"), saved,
                             {"summary_markdown": summary_markdown(metrics), "ece": metrics["calibration"]["ece"]})
    atomic_write_text(model_dir / "README.md", card)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="toll-eval", description=__doc__.splitlines()[0])
    parser.add_argument("--model", required=True)
    parser.add_argument("--config", help="training config naming the corpus (default: the model's own)")
    parser.add_argument("--split", default="test")
    parser.add_argument("--data", nargs="*", help="Label Studio export files or folders instead of a split")
    parser.add_argument("--out", required=True, help="folder for report.md, report.html, metrics.json")
    parser.add_argument("--bootstrap", type=int, default=1000, help="article resamples for the 95%% CIs")
    parser.add_argument("--no-card", action="store_true", help="do not write test scores into the model card")
    parser.add_argument("--compare", nargs="*", default=[], metavar="BASELINE",
                        help="baselines scored on the same documents, with paired bootstrap intervals "
                             "(rules, spacy, spacy+rules)")
    parser.add_argument("--also-split", nargs="*", default=[], metavar="SPLIT",
                        help="other splits to score and show beside this one (e.g. test_written)")
    args = parser.parse_args(argv)
    return run_command(lambda: _evaluate(args))


def _evaluate(args: argparse.Namespace) -> int:
    # imported here, not at the top: the pipeline loads torch, which `toll-eval --help` does not need
    from toll.models.inference.pipeline import Pipeline

    pipeline = Pipeline.from_pretrained(args.model)
    config_path = args.config or Path(args.model) / "config.yaml"
    gold, described = load_gold_exports(args.data) if args.data else load_gold_split(config_path, args.split)
    if not gold:
        raise TollError("no annotated documents to evaluate")
    result = evaluate(pipeline, gold, args.bootstrap, diagnose_links=True)
    result.metrics["split"] = described
    if args.compare:
        result.metrics["baselines"] = compare_baselines(result, args.compare, pipeline.schema, args.bootstrap)
    for split in args.also_split:
        other, _ = load_gold_split(config_path, split)
        also = evaluate(pipeline, other, args.bootstrap, diagnose_links=True)
        result.metrics.setdefault("also", {})[split] = also.metrics
    log_path = Path(args.model) / "training_log.json"
    log = json.loads(log_path.read_text()) if log_path.exists() else None
    write_report(Path(args.out), result.metrics, f"toll evaluation: {Path(args.model).name} on {described}", log)
    if args.split == "test" and not args.data and not args.no_card:
        update_model_card(Path(args.model), result.metrics)
        # the weights stay out of git; the card travels with the report
        atomic_write_text(Path(args.out) / "model_card.md", (Path(args.model) / "README.md").read_text())
    print(summary_markdown(result.metrics))
    print(f"\nreport: {Path(args.out) / 'report.md'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
