"""The speed benchmark's ``## Speed`` section, rendered from the results of
:func:`toll.eval.benchmarks.speed.measure` (or a run saved with ``--json``): throughput and memory per
engine, what the networks read (padding share, encoder positions per word), where ``toll-predict``
spends its time, and the arithmetic against the machine's matrix rates. The backends' accuracy is
:mod:`toll.eval.benchmarks.backends`'s table.

>>> _fmt(172890), _fmt(12.345, 1)
('172,890', '12.3')
"""

from __future__ import annotations

from pathlib import Path

from toll.eval.benchmarks.speed_engines import BATCH, WINDOW
from toll.models.common.machine import native_bf16

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


def _count(n: int, noun: str) -> str:
    """>>> _count(1, "thread"), _count(2, "thread")
    ('1 thread', '2 threads')
    """
    return f"{n} {noun}{'' if n == 1 else 's'}"


def _engine(r: dict) -> str:
    """The engine as asked for, and what ran where ``auto`` chose: ``auto → torch-bf16``."""
    runs = r.get("runs")
    return f"{r['engine']} → {runs}" if runs and runs != r["engine"] else r["engine"]


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
        f"{m['memory_gb']} GiB; Python {m['python']}, torch {m['torch']}, onnxruntime {m['onnxruntime']}"
        + (f"; every engine limited to {_count(results['threads'], 'thread')} (`--threads`)" if results.get("threads") else "")
        + ". "
        f"1-minute load average {results['load_before']} at the start and at most {results['load_timed_max']} "
        "when a timed measurement started (the benchmark's own processes count); "
        "no GPU was lent for this run, so there are no GPU figures.", "",
        "| what | engine | articles/s | tokens/s | peak RSS (MB) | × spaCy full | × spaCy NER | × fastest in group |",
        "|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        vs_full = r["articles_per_s"] / spacy_full["articles_per_s"] if spacy_full else None
        vs_ner = r["articles_per_s"] / spacy_ner["articles_per_s"] if spacy_ner else None
        load = f" (load {r['load_seconds']:.1f} s incl.)" if "load_seconds" in r else ""
        lines.append(f"| {r['group']} | {_engine(r)}{load} | {_fmt(r['articles_per_s'], 1)} | "
                     f"{_fmt(r['tokens_per_s'])} | {_fmt(r['peak_rss_mb'])} | "
                     f"{'-' if vs_full is None else f'{vs_full:.2f}'} | {'-' if vs_ner is None else f'{vs_ner:.2f}'} | "
                     f"{r['articles_per_s'] / fastest[r['group']]:.2f} |")
    chosen = [r for r in rows if r.get("reason") and r["engine"] == "auto"]
    for r in chosen:
        lines += ["", f"`--backend auto` chose `{r['runs']}` here: {r['reason']}."]
    counted = [r for r in rows if isinstance(r.get("positions"), dict)]  # the tagger rows count an int
    if counted:
        lines += ["", "**What the networks read** in `toll-predict` (from its summary, `OUT.summary.json`): "
                  "positions fed to each encoder, real and padding (a batch is padded to its longest row), "
                  "and encoder positions per word of the articles (both networks, padding included).", "",
                  "| backend | words | tagger positions | tagger padding | relation positions | relation padding "
                  "| padding, both | encoder positions per word |", "|---|---:|---:|---:|---:|---:|---:|---:|"]
        for r in counted:
            pos = r["positions"]
            t, rel, both = pos["tagger"], pos["relation"], pos["all"]
            lines.append(f"| {_engine(r)} | {_fmt(pos['words'])} | {_fmt(t['real'] + t['padding'])} | "
                         f"{100 * t['padding_share']:.1f}% | {_fmt(rel['real'] + rel['padding'])} | "
                         f"{100 * rel['padding_share']:.1f}% | {100 * both['padding_share']:.1f}% | "
                         f"{both['per_word']:.2f} |")
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
            lines.append(f"| {_engine(r)} | " + " | ".join(f"{100 * x / r['seconds']:.1f}%" for x in parts)
                         + f" | {100 * rest / r['seconds']:.1f}% |")
    g = results["gemm"]
    fpt = results["flops_per_token"]
    lines += ["", f"**Arithmetic.** The tagger costs {fpt / 1e6:.1f} MFLOP per token at {WINDOW} tokens "
              f"(from its config). Measured GEMM rates on this machine ({_count(g['threads'], 'thread')}, "
              f"[{BATCH * WINDOW}×384]·[384×1536]): fp32 {_fmt(g['fp32'])} GFLOP/s, bf16 {_fmt(g['bf16'])}"
              f"{'' if native_bf16(set(m['features']), m.get('gpu')) else ' (no native bf16 on this CPU)'}, "
              f"int8 {_fmt(g['int8'])} GOP/s ({g['int8_method']}; "
              + ", ".join(f"{k} {_fmt(v)}" for k, v in g["int8_all"].items()) + ").", "",
              "| tagger | positions/s (incl. padding) | GFLOP/s achieved | share of the GEMM rate |", "|---|---:|---:|---:|"]
    for r in rows:
        if not r["group"].startswith("tagger"):
            continue
        positions = r["positions"] / r["seconds"]
        achieved = positions * fpt / 1e9
        runs = r.get("runs") or r["engine"]
        name = "int8" if runs.endswith("int8") else "bf16" if runs.endswith("bf16") else "fp32"
        peak = g[name]
        lines.append(f"| {_engine(r)} | {_fmt(positions)} | {_fmt(achieved)} | {100 * achieved / peak:.0f}% of {name} |")
    lines += ["", "The backends' accuracy against fp32 (dev and test, every headline score) is in "
              "[eval/reports/default/backends.md](../reports/default/backends.md) "
              "(`python -m toll.eval.benchmarks.backends`)."]
    lines += ["", "Each engine runs in its own process (peak RSS is that process's, model and runtime "
              "included). End to end is `toll-predict` reading JSONL and writing JSONL, model load "
              "included; the tagger rows time only the network on pre-tokenized windows; spaCy runs "
              "`nlp.pipe` on the same texts. Tokens are the articles' word pieces under the model's "
              "tokenizer, the same count for every engine. Each figure is one timed pass: on a shared "
              "virtual machine absolute rates drift between runs (up to 2x has been seen for the PyTorch "
              "rows on this one), so compare rows of one table rather than tables of different runs.", ""]
    return "\n".join(lines)


def _short(path: str) -> str:
    try:
        return str(Path(path).relative_to(REPO))
    except ValueError:
        return path
