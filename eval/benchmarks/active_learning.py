"""What choosing articles by `toll-data rank` buys over choosing them at random: a simulation.

``python -m toll.eval.benchmarks.active_learning configs/benchmarks/active_learning.yaml
[--seeds 3] [--rounds 3] [--start 60] [--batch 40] [--write README.md]``

On the real articles of the training split (the pool; their annotations stand in for the annotator),
each seed starts from ``start`` random articles and trains the tagger alone with the config (a small
one); then, for ``rounds`` rounds, it adds ``batch`` articles, picked either by the criterion of
:mod:`toll.training.corpus.active_learning` (the current tagger's uncertainty, spread over topics) or at random,
and retrains from the encoder. After each round the tagger is scored on the real dev split (seqeval
strict IOB2 micro-F1 over every label, and over the casualty labels alone). The table gives mean and
standard deviation over seeds. Dev and test articles never enter the pool.
"""

from __future__ import annotations

import argparse
import json
import random
import shlex
import statistics
import sys
import tempfile
from pathlib import Path

from toll.models.common.markdown_sections import replace_section
from toll.models.text.alignment import case_marker_id, tokenize
from toll.models.common.atomic import atomic_write_text
from toll.models.common.errors import run_command
from toll.models.text.schema import Schema
from toll.models.text.sentences import sentence_spans
from toll.models.networks.tagging import WindowTagger, torch_logits_fn
from toll.training.corpus.active_learning import select, uncertainty
from toll.training.config import load_train_config
from toll.training.corpus.project import load_project_corpus
from toll.training.corpus.real_splits import kind
from toll.training.train import train_tagger

TITLE = "Choosing what to annotate: uncertainty against random"


def _is_real(doc) -> bool:
    return kind(doc.meta.get("data", {})) != "written"


def _train(config, schema, docs, dev, work: Path):
    trainer, tokenizer, result = train_tagger(config, schema, docs, dev, work, resume=False)
    dev_scores = result["dev"]
    return trainer, tokenizer, {"f1": dev_scores.get("f1", 0.0), "casualty_f1": dev_scores.get("casualty_f1", 0.0)}


def _pick_uncertain(trainer, tokenizer, schema, config, pool, n) -> list:
    tags = list(schema.iob2_labels())
    tagger = WindowTagger(tokenizer, tags, torch_logits_fn(trainer.model), config.windows.max_tokens)
    marker = case_marker_id(tokenizer)
    toks = [tokenize(tokenizer, d.text, marker) for d in pool]
    probs = tagger.token_probabilities(toks, [sentence_spans(d.text) for d in pool])
    scores = [uncertainty(p[t.word_first_token]) for t, p in zip(toks, probs)]
    return [pool[i] for i in select([d.text for d in pool], scores, n)]


def simulate(config_path: Path, seeds: int, rounds: int, start: int, batch: int,
             overrides: list[str] | None = None) -> dict:
    config = load_train_config(config_path, overrides or [])
    schema = Schema.load(config.schema_path)
    corpus = load_project_corpus(config.data, schema)
    pool_all = [d for d in corpus.splits["train"] if _is_real(d)]
    dev = [d for d in corpus.splits["dev"] if _is_real(d)]
    runs: dict[str, list[list[dict]]] = {"uncertainty": [], "random": []}
    with tempfile.TemporaryDirectory() as tmp:
        for seed in range(seeds):
            rng = random.Random(seed)
            first = rng.sample(pool_all, start)
            trainer, tokenizer, score = _train(config, schema, first, dev, Path(tmp) / f"s{seed}-r0")
            for strategy in runs:
                labeled, history = list(first), [{"articles": len(first), **score}]
                current = (trainer, tokenizer)
                pick_rng = random.Random(1000 + seed)
                for r in range(1, rounds + 1):
                    chosen = {d.id for d in labeled}
                    pool = [d for d in pool_all if d.id not in chosen]
                    picked = (_pick_uncertain(*current, schema, config, pool, batch) if strategy == "uncertainty"
                              else pick_rng.sample(pool, min(batch, len(pool))))
                    labeled += picked
                    t, tok, s = _train(config, schema, labeled, dev, Path(tmp) / f"s{seed}-{strategy}-r{r}")
                    current = (t, tok)
                    history.append({"articles": len(labeled), **s})
                    print(f"seed {seed} {strategy} round {r}: {len(labeled)} articles, dev F1 {s['f1']:.3f}",
                          file=sys.stderr)
                runs[strategy].append(history)
    return {"pool": len(pool_all), "dev": len(dev), "start": start, "batch": batch, "runs": runs}


def table(result: dict) -> str:
    def cell(values):
        return f"{statistics.mean(values):.3f} ± {statistics.stdev(values):.3f}" if len(values) > 1 \
            else f"{values[0]:.3f}"
    rows = ["| round | articles | strategy | dev F1, all labels | dev F1, casualty labels |", "|---|---|---|---|---|"]
    for strategy, histories in result["runs"].items():
        for r in range(len(histories[0])):
            rows.append(f"| {r} | {histories[0][r]['articles']} | {strategy} | "
                        f"{cell([h[r]['f1'] for h in histories])} | {cell([h[r]['casualty_f1'] for h in histories])} |")
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m toll.eval.benchmarks.active_learning", description=__doc__.splitlines()[0])
    parser.add_argument("config", type=Path)
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--start", type=int, default=60)
    parser.add_argument("--batch", type=int, default=40)
    parser.add_argument("--json", type=Path, help="also write the raw results here")
    parser.add_argument("--write", type=Path, help="replace this markdown file's section with the table")
    args = parser.parse_args(argv)

    def body() -> int:
        result = simulate(args.config, args.seeds, args.rounds, args.start, args.batch)
        command = "python -m toll.eval.benchmarks.active_learning " + " ".join(shlex.quote(a) for a in (argv or sys.argv[1:]))
        text = (f"Produced by `{command}`: {result['pool']} real training articles as the pool, scored on the "
                f"{result['dev']} real dev articles; mean ± std over seeds.\n\n" + table(result))
        print(text)
        if args.json:
            atomic_write_text(args.json, json.dumps(result, indent=1))
        if args.write:
            replace_section(args.write, TITLE, f"## {TITLE}\n\n{text}")
        return 0

    return run_command(body)


if __name__ == "__main__":
    sys.exit(main())
