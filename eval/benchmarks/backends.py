"""Every backend against the fp32 reference: the delta in each headline score, dev and test.

``python -m toll.eval.benchmarks.backends --model runs/default/model --splits dev test
--write eval/reports/default/backends.md [--record]``

Runs the model with each backend (``torch`` fp32, the reference and the backend of the committed
report, then ``torch-bf16``, ``onnx``, ``onnx-int8``) over the real splits (gold from
:func:`toll.eval.gold.load_gold_split`, scored by :func:`toll.eval.evaluate.evaluate`, the function
``toll-eval`` uses) and writes, per split and backend, the change against fp32 in entity micro-F1
(seqeval strict), casualty-span F1, relations end to end and on gold entities, count exact match
and entity calibration error (ECE), with the machine and whether each backend keeps the rule of
:mod:`toll.models.inference.backends` (at most 0.5 points lost on every score, dev and test).

``--write X.md`` writes the table and ``X.json`` beside it (every score, not only the deltas);
``--record`` also writes ``models/inference/measured_backends.json``, the table ``toll-predict
--backend auto`` reads, bound to this model's weights (their SHA-256). Rerun it after retraining.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from toll.eval.evaluate import evaluate
from toll.eval.gold import load_gold_split
from toll.models.common.atomic import atomic_write_text
from toll.models.common.machine import machine
from toll.models.inference.backends import (MAX_F1_LOSS, MEASURED_FILE, REFERENCE, RULE_SCORES, RULE_SPLITS,
                                            choose_backend, rule_verdict, weights_fingerprint)
from toll.models.inference.pipeline import Pipeline

REPO = Path(__file__).resolve().parents[2]
BACKENDS = ("torch", "torch-bf16", "onnx", "onnx-int8")
MEASURED_FORMAT = "toll-backend-measurements/1"
COLUMNS = [*RULE_SCORES.items(), ("entity_ece", "entity ECE")]


def headline_scores(metrics: dict) -> dict[str, float]:
    """The rule's scores in points (0-100, two decimals) and the entity ECE (0-1, lower is better)."""
    count_exact = metrics["casualty_records"]["count_exact_match"]
    return {
        "entities": round(100 * metrics["entities"]["seqeval"]["micro"]["f1"], 2),
        "casualty_spans": round(100 * metrics["casualty_spans"]["f1"], 2),
        "relations_end_to_end": round(100 * metrics["relations_end_to_end"]["micro"]["f1"], 2),
        "relations_gold_entities": round(100 * metrics["relations_gold_entities"]["micro"]["f1"], 2),
        "count_exact": round(100 * count_exact, 2),
        "entity_ece": round(metrics["calibration"]["ece"], 4),
    }


def measure(model: Path, config: Path, splits: list[str], backends: list[str], log) -> dict:
    """Scores per split and backend; each backend is loaded once and reads every split."""
    gold = {split: load_gold_split(config, split)[0] for split in splits}
    scores: dict[str, dict[str, dict]] = {split: {} for split in splits}
    seconds: dict[str, float] = {}
    for backend in backends:
        pipeline = Pipeline.from_pretrained(model, backend=backend)
        log(f"{backend} ({pipeline.backend.choice.reason}) ...")
        start = time.perf_counter()
        for split in splits:
            scores[split][backend] = headline_scores(evaluate(pipeline, gold[split], bootstrap_samples=10).metrics)
            log(f"  {split}: {scores[split][backend]}")
        seconds[backend] = round(time.perf_counter() - start, 1)
    return {"model": _short(model), "config": _short(config), "weights": weights_fingerprint(model),
            "machine": machine(), "date": time.strftime("%Y-%m-%d"), "reference": REFERENCE,
            "articles": {split: len(docs) for split, docs in gold.items()}, "scores": scores,
            "seconds": seconds}


def verdicts(results: dict) -> dict[str, dict]:
    """Per backend: whether it keeps the rule on the measured splits, and why."""
    splits = [s for s in RULE_SPLITS if s in results["scores"]] or list(results["scores"])
    out = {}
    for backend in next(iter(results["scores"].values())):
        if backend != results["reference"]:
            ok, words = rule_verdict(results["scores"], backend, results["reference"], splits)
            out[backend] = {"passes": ok, "why": words}
    return out


def auto_here(results: dict) -> dict:
    """What ``--backend auto`` picks on the machine that measured, from these scores."""
    from toll.models.common.machine import native_bf16

    gpu = results["machine"].get("gpu")
    choice = choose_backend(native_bf16(set(results["machine"]["features"]), gpu), results["scores"], gpu)
    return choice.record()


def render(results: dict, command: str) -> str:
    m = results["machine"]
    ref = results["reference"]
    weights = results["weights"] or {}
    lines = [
        "# Backends against the fp32 reference", "",
        f"Written by `{command}` on {results['date']}; model `{results['model']}` (weights "
        + ", ".join(f"`{k}` {v[:12]}" for k, v in weights.items()) + f"), gold from `{results['config']}`.", "",
        f"Machine: {m['cpu']} ({', '.join(m['features']) or 'no AVX-512'}), {m['cores']} cores, {m['memory_gb']} GiB, "
        f"GPU: {m['gpu'] or 'none'}; Python {m['python']}, torch {m['torch']}, onnxruntime {m['onnxruntime']}.", "",
        f"The reference is `{ref}` (PyTorch fp32), the backend the committed report is made with "
        "([report.md](report.md), [dev/report.md](dev/report.md)), so that the report reproduces on every CPU "
        "(bf16 is fast only where the hardware computes it; int8 kernels differ between CPUs). "
        "Each other row is that backend's score minus the reference's: F1 points (count exact match in "
        "points of accuracy), and the entity calibration error (ECE, 0-1) in its own units, where lower is "
        f"better. The rule (`models/inference/backends.py`): a backend may be chosen by `--backend auto` "
        f"only if it loses at most {MAX_F1_LOSS:g} points on every score but ECE, on dev and on test.", "",
        "| split | backend | " + " | ".join(name for _, name in COLUMNS) + " |",
        "|---|---|" + "---:|" * len(COLUMNS),
    ]
    for split, by_backend in results["scores"].items():
        base = by_backend[ref]
        label = f"{split} ({results['articles'][split]} articles)"
        lines.append(f"| {label} | {ref} (reference) | " + " | ".join(
            f"{base[k]:.3f}" if k == "entity_ece" else f"{base[k]:.2f}" for k, _ in COLUMNS) + " |")
        for backend, s in by_backend.items():
            if backend == ref:
                continue
            cells = [f"{s[k] - base[k]:+.3f}" if k == "entity_ece" else f"{s[k] - base[k]:+.2f}" for k, _ in COLUMNS]
            lines.append(f"| {label} | {backend} | " + " | ".join(cells) + " |")
    lines += _reproduces_report(results)
    lines += ["", "| backend | keeps the rule (dev and test) | why |", "|---|---|---|"]
    for backend, v in results["verdicts"].items():
        lines.append(f"| {backend} | {'yes' if v['passes'] else '**no**'} | {v['why']} |")
    auto = results["auto"]
    lines += ["", f"On this machine `toll-predict --backend auto` picks **{auto['backend']}**: {auto['reason']}. "
              "How fast each backend runs is `make bench-speed`'s table (eval/benchmarks/README.md, Speed).", ""]
    return "\n".join(lines)


def _reproduces_report(results: dict) -> list[str]:
    """Whether the reference row equals the committed report's scores (``metrics.json`` of the
    report folder this table is written to, test at its top, dev in ``dev/``)."""
    checked = []
    for split, by_backend in results["scores"].items():
        path = REPO / "eval" / "reports" / "default" / ("metrics.json" if split == "test" else f"{split}/metrics.json")
        if path.exists():
            committed = headline_scores(json.loads(path.read_text()))
            same = all(abs(committed[k] - by_backend[results["reference"]][k]) < 1e-6 for k, _ in COLUMNS)
            checked.append(f"{split} {'equals' if same else '**differs from**'} `{path.relative_to(REPO)}`")
    return ["", f"The reference rows against the committed report: {'; '.join(checked)}."] if checked else []


def record(results: dict, command: str, path: Path = MEASURED_FILE) -> None:
    """The measured table ``--backend auto`` reads, bound to this model's weights."""
    missing = [s for s in RULE_SPLITS if s not in results["scores"]]
    if missing or not results["weights"]:
        raise SystemExit(f"--record needs the {' and '.join(RULE_SPLITS)} splits and a model with a manifest "
                         f"(missing: {', '.join(missing) or 'the weights manifest'})")
    table = {"format": MEASURED_FORMAT, "written_by": command, "date": results["date"], "model": results["model"],
             "weights": results["weights"], "machine": {k: results["machine"][k] for k in ("cpu", "features", "gpu")},
             "reference": results["reference"], "articles": results["articles"], "scores": results["scores"]}
    atomic_write_text(path, json.dumps(table, indent=1) + "\n")


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = argparse.ArgumentParser(prog="python -m toll.eval.benchmarks.backends", description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, default=Path("runs/default/model"), help="model directory")
    parser.add_argument("--config", type=Path, help="training config naming the corpus (default: MODEL/config.yaml)")
    parser.add_argument("--splits", nargs="+", default=list(RULE_SPLITS))
    parser.add_argument("--backends", nargs="+", default=list(BACKENDS), choices=BACKENDS,
                        help=f"the first is the reference (default: {' '.join(BACKENDS)})")
    parser.add_argument("--write", type=Path, help="write the table here and the scores beside it (.json)")
    parser.add_argument("--record", action="store_true",
                        help=f"also write {_short(MEASURED_FILE)}, which toll-predict --backend auto reads")
    parser.add_argument("--render", type=Path, metavar="JSON", help="only re-render a run written with --write")
    args = parser.parse_args(argv)
    command = ("python -m toll.eval.benchmarks.backends " + " ".join(argv)).strip()
    if args.render:
        results = json.loads(args.render.read_text())
        command = results["command"]
    else:
        if args.backends[0] != REFERENCE:
            parser.error(f"the first backend is the reference and must be {REFERENCE}")

        def log(message: str) -> None:
            print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)

        results = measure(args.model, args.config or args.model / "config.yaml", args.splits, args.backends, log)
        results["command"] = command
        results["verdicts"] = verdicts(results)
        results["auto"] = auto_here(results)
    if args.write and not args.render:  # the scores first: a rendering error must not lose a long run
        atomic_write_text(args.write.with_suffix(".json"), json.dumps(results, indent=1) + "\n")
    report = render(results, command)
    print(report)
    if args.write:
        atomic_write_text(args.write, report)
    if args.record and not args.render:
        record(results, command)
        print(f"recorded: {_short(MEASURED_FILE)}", file=sys.stderr)
    return 0


def _short(path: str | Path) -> str:
    try:
        return str(Path(path).resolve().relative_to(REPO))
    except ValueError:
        return str(path)


if __name__ == "__main__":
    sys.exit(main())
