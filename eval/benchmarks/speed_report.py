"""The speed benchmark's ``## Speed`` section, rendered from the results of
:func:`toll.eval.benchmarks.speed.measure` (or a run saved with ``--json``): throughput and memory per
engine, where ``toll-predict`` spends its time, the arithmetic against the machine's matrix rates,
and the accuracy of each backend.

>>> _fmt(172890), _fmt(12.345, 1)
('172,890', '12.3')
"""

from __future__ import annotations

from pathlib import Path

from toll.eval.benchmarks.speed_engines import BATCH, WINDOW

REPO = Path(__file__).resolve().parents[2]

STAGES = [  # (name in the report, how it is computed from Pipeline.timings)
    ("tokenize", lambda t: t["tokenize"]),
    ("sentence split", lambda t: t["sentences"]),
    ("tagger network", lambda t: t["tagger network"]),
    ("windows + decoding", lambda t: t["tagger"] - t["tagger network"]),
    ("relation inputs", lambda t: t["relations"] - t["relation network"]),
    ("relation network", lambda t: t["relation network"]),
    ("records", lambda t: t["records"]),
]


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
    # imported here, not at the top: backends loads torch, which `--help` does not need
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
