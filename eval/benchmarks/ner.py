"""Public NER benchmarks: the toll tagger trained on a public corpus's own labels, over several seeds.

``python -m toll.eval.benchmarks.ner configs/benchmarks/re3d.yaml [--write eval/benchmarks/README.md]``

For each seed of the config it fine-tunes the tagger exactly as ``toll-train`` does (the same
features, windows, ``Trainer`` set-up and early stopping on dev strict micro-F1), predicts the test
split with the inference module's :class:`toll.models.networks.tagging.WindowTagger`, and scores the predictions
on the corpus's whitespace tokens with seqeval twice: strict IOB2 (this project's metric) and
seqeval's default mode (conlleval's, which ConfliBERT's table reports as macro-F1). With
``ensemble: true`` it also scores the seeds' models together (their tag probabilities averaged).

Finished seeds are kept under ``output_dir/seed-N/`` and reused when the command runs again (an
interrupted run loses at most the seed in progress; ``--force`` retrains). ``--write FILE``
replaces the config's section (``## <title>``) of a markdown file with the results table, next to
the published numbers the config lists.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import statistics
import sys
from pathlib import Path
from typing import Sequence

from pydantic import Field

from toll.eval.benchmarks.corpora import oversample, overlap_tags_on_whitespace_words, positive_sentences
from toll.models.common.atomic import atomic_write_text
from toll.models.common.errors import run_command
from toll.models.common.machine import machine
from toll.models.common.markdown_sections import replace_section
from toll.models.common.yaml_config import dump_config, load_config
from toll.models.scoring import strict_entity_scores
from toll.models.text.alignment import case_marker_id, tokenize
from toll.models.text.document import Document
from toll.models.text.schema import EntityType, Schema
from toll.models.text.sentences import sentence_spans
from toll.training.config import Strict, TaggerConfig, TrainConfig, WindowConfig
from toll.training.corpus.readers.public import PublicCorpusName, load_split

REPO = Path(__file__).resolve().parents[2]


class Published(Strict):
    """A published result to print beside ours (points, not fractions)."""

    system: str
    parameters: str = ""
    micro_f1: float | None = None
    macro_f1: float | None = None
    note: str = ""


class NerBenchmarkConfig(Strict):
    name: str = Field(description="short name; the run folder is output_dir")
    title: str = Field(description="the markdown section heading this benchmark writes")
    corpus: PublicCorpusName
    data_dir: str | None = Field(None, description="folder holding conflibert/, polnear/ (default: "
                                                   "$TOLL_DATASETS, else ../shared/datasets)")
    labels: list[str] | None = Field(None, description="score only these labels (default: all the corpus has)")
    train_limit: int | None = Field(None, ge=1, description="train on N documents (a stable sample by id hash)")
    encoder: str = "bundled:minilm-l6"
    case_marker: bool = True
    precision: str = Field("fp32", pattern="^(fp32|bf16)$")
    seeds: list[int] = Field(default_factory=lambda: [1, 2, 3], min_length=1)
    ensemble: bool = True
    windows: WindowConfig = WindowConfig()
    tagger: TaggerConfig = TaggerConfig()
    oversample_below: int = Field(0, ge=0, description="repeat training documents holding a label with fewer "
                                                       "examples than this (0: off)")
    negatives_kept: float = Field(1.0, gt=0, le=1, description="train on sentences: every one with a span and "
                                  "this share of the others (1: whole documents, as toll-train)")
    output_dir: str | None = None
    note: str = Field("", description="what this run changes, for the table of attempts")
    published: list[Published] = Field(default_factory=list)

    @property
    def run_dir(self) -> Path:
        return Path(self.output_dir or f"runs/benchmarks/{self.name}")

    def train_config(self, seed: int) -> TrainConfig:
        """The ``toll-train`` config this benchmark trains the tagger with (no relation stage)."""
        return TrainConfig(seed=seed, encoder=self.encoder, precision=self.precision,
                           case_marker=self.case_marker, windows=self.windows, tagger=self.tagger)


def native_schema(name: str, docs: Sequence[Document], labels: Sequence[str] | None) -> Schema:
    """A schema of the corpus's own labels, all splits' (sorted: the tag order never depends on data order)."""
    found = sorted({e.label for d in docs for e in d.entities})
    chosen = list(labels) if labels is not None else found
    return Schema(name=name, entities={label: EntityType() for label in chosen})


def score(gold: Sequence[Document], predicted: Sequence[Sequence]) -> dict:
    """Strict IOB2 and conlleval-mode seqeval scores over whitespace tokens, in points."""
    from seqeval.metrics import classification_report

    gold_tags = [overlap_tags_on_whitespace_words(d) for d in gold]
    pred_tags = [overlap_tags_on_whitespace_words(d, ents) for d, ents in zip(gold, predicted)]
    strict = strict_entity_scores(gold_tags, pred_tags)
    lenient = classification_report(gold_tags, pred_tags, output_dict=True, zero_division=0)

    def pts(x: float) -> float:
        return round(100 * x, 2)

    return {
        "strict_micro_f1": pts(strict["micro"]["f1"]), "strict_macro_f1": pts(strict["macro"]["f1"]),
        "conll_micro_f1": pts(lenient["micro avg"]["f1-score"]), "conll_macro_f1": pts(lenient["macro avg"]["f1-score"]),
        "per_label_strict_f1": {k: pts(v["f1"]) for k, v in strict["per_label"].items()},
        "support": {k: v["support"] for k, v in strict["per_label"].items()},
    }


def predict(tokenizer, tags: list[str], models: list, docs: Sequence[Document], cfg: NerBenchmarkConfig) -> list:
    """Entities per document from one model or the average of several (the inference module's path)."""
    # imported here, not at the top: the tagger loads torch, which `--help` does not need
    from toll.models.networks.tagging import WindowTagger, torch_logits_fn

    case_id = case_marker_id(tokenizer)
    toks = [tokenize(tokenizer, d.text, case_id) for d in docs]
    sentences = [sentence_spans(d.text) for d in docs]
    tagger = WindowTagger(tokenizer, tags, [torch_logits_fn(m) for m in models], cfg.windows.max_tokens,
                          cfg.windows.overlap_sentences, batch_size=32)
    return tagger.tag(toks, sentences)


def train_seed(cfg: NerBenchmarkConfig, seed: int, schema: Schema, train_docs, dev_docs, seed_dir: Path):
    """Fine-tune one tagger with ``toll-train``'s own tagger stage; returns ``(model, tokenizer, facts)``
    and saves the model in ``seed_dir/model``."""
    # imported here, not at the top: training loads torch and transformers, which `--help` does not need
    from transformers import set_seed

    from toll.training.train import train_tagger

    set_seed(seed)
    docs = oversample(positive_sentences(train_docs, cfg.negatives_kept), cfg.oversample_below)
    trainer, tokenizer, result = train_tagger(cfg.train_config(seed), schema, docs, dev_docs,
                                              seed_dir / "checkpoints", resume=False)
    trainer.save_model(str(seed_dir / "model"))
    metric = f"eval_{cfg.tagger.select_metric}"
    evals = [h for h in result["log_history"] if metric in h]
    best = max(evals, key=lambda h: h[metric]) if evals else {}
    facts = {"train_seconds": result["seconds"], "train_windows": result["train_windows"],
             "misaligned_spans": len(result["alignment"]["misaligned"]),
             "dropped_spans": len(result["alignment"]["dropped"]),
             "best_epoch": best.get("epoch"), "epochs_run": evals[-1]["epoch"] if evals else None,
             "dev_strict_micro_f1_subwords": round(100 * best.get("eval_f1", 0.0), 2),
             "parameters": sum(p.numel() for p in trainer.model.parameters()),
             "load_average": round(os.getloadavg()[1], 2)}  # 5-minute: was the machine shared?
    return trainer.model, tokenizer, facts


def run_benchmark(cfg: NerBenchmarkConfig, force: bool = False, log=print, command: str = "") -> dict:
    """Train and score every seed (reusing finished ones), then the ensemble; returns the results."""
    # imported here, not at the top: the models load torch and transformers, which `--help` does not need
    from transformers import AutoTokenizer

    from toll.models.networks.heads import load_token_classifier

    train_docs = load_split(cfg.corpus, "train", cfg.data_dir, cfg.labels, cfg.train_limit)
    dev_docs = load_split(cfg.corpus, "dev", cfg.data_dir, cfg.labels)
    test_docs = load_split(cfg.corpus, "test", cfg.data_dir, cfg.labels)
    schema = native_schema(cfg.name, train_docs + dev_docs + test_docs, cfg.labels)
    tags = list(schema.iob2_labels())
    run_dir = cfg.run_dir
    run_dir.mkdir(parents=True, exist_ok=True)
    atomic_write_text(run_dir / "config.yaml", dump_config(cfg))
    seeds, tokenizer = [], None
    for seed in cfg.seeds:
        seed_dir = run_dir / f"seed-{seed}"
        result_path = seed_dir / "result.json"
        if result_path.exists() and not force:
            log(f"seed {seed}: reusing {result_path}")
            seeds.append(json.loads(result_path.read_text()))
            continue
        log(f"seed {seed}: training on {len(train_docs)} documents ({cfg.corpus})")
        model, tokenizer, facts = train_seed(cfg, seed, schema, train_docs, dev_docs, seed_dir)
        result = {"seed": seed, **facts, "dev": score(dev_docs, predict(tokenizer, tags, [model], dev_docs, cfg)),
                  "test": score(test_docs, predict(tokenizer, tags, [model], test_docs, cfg))}
        atomic_write_text(result_path, json.dumps(result, indent=2))
        log(f"seed {seed}: test strict micro {result['test']['strict_micro_f1']}, "
            f"conll macro {result['test']['conll_macro_f1']} ({facts['train_seconds']} s)")
        seeds.append(result)
    results = {"name": cfg.name, "title": cfg.title, "note": cfg.note, "command": command,
               "config": cfg.model_dump(mode="json"), "corpus": cfg.corpus, "labels": tags,
               "documents": {"train": len(train_docs), "dev": len(dev_docs), "test": len(test_docs)},
               "seeds": seeds, "summary": summarize([s["test"] for s in seeds])}
    if cfg.ensemble and len(cfg.seeds) > 1:
        tokenizer = AutoTokenizer.from_pretrained(str(run_dir / f"seed-{cfg.seeds[0]}" / "model"))
        models = [load_token_classifier(str(run_dir / f"seed-{s}" / "model")) for s in cfg.seeds]
        results["ensemble"] = {"dev": score(dev_docs, predict(tokenizer, tags, models, dev_docs, cfg)),
                               "test": score(test_docs, predict(tokenizer, tags, models, test_docs, cfg))}
        log(f"ensemble of {len(models)}: test strict micro {results['ensemble']['test']['strict_micro_f1']}, "
            f"conll macro {results['ensemble']['test']['conll_macro_f1']}")
    results["machine"] = machine()
    atomic_write_text(run_dir / "results.json", json.dumps(results, indent=2))
    return results


METRICS = ("conll_macro_f1", "conll_micro_f1", "strict_macro_f1", "strict_micro_f1")


def summarize(tests: list[dict]) -> dict:
    """Mean and (sample) standard deviation over seeds of each headline metric and each label."""
    def ms(values: list[float]) -> dict:
        return {"mean": round(statistics.mean(values), 2),
                "std": round(statistics.stdev(values), 2) if len(values) > 1 else 0.0}

    out = {m: ms([t[m] for t in tests]) for m in METRICS}
    labels = sorted({k for t in tests for k in t["per_label_strict_f1"]})
    out["per_label_strict_f1"] = {k: ms([t["per_label_strict_f1"].get(k, 0.0) for t in tests]) for k in labels}
    return out


def render(results: dict, cfg: NerBenchmarkConfig, command: str) -> str:
    """The markdown section: our mean ± std over seeds (and the ensemble) beside the published numbers."""
    s, seeds = results["summary"], results["seeds"]
    m = results["machine"]
    params = seeds[0].get("parameters")
    loads = [x["load_average"] for x in seeds if "load_average" in x]
    shared = (f" (5-minute load average up to {max(loads):.1f} at the end of a seed: other jobs shared the "
              f"cores, so read the time as an upper bound)" if loads and max(loads) > m["cores"] + 0.5 else "")
    minutes = statistics.mean(x["train_seconds"] for x in seeds) / 60
    docs = results["documents"]
    lines = [f"## {results['title']}", "",
             f"`{command}`: {len(seeds)} seeds ({', '.join(str(x['seed']) for x in seeds)}), "
             f"{docs['train']}/{docs['dev']}/{docs['test']} train/dev/test documents. Encoder `{cfg.encoder}` "
             f"({params / 1e6:.1f}M parameters with its tagging head, against 110M for the BERT-base models), "
             f"{cfg.tagger.epochs:g} epochs at most (early stopping on dev, patience {cfg.tagger.patience}), "
             f"learning rate {cfg.tagger.learning_rate:g}, batch {cfg.tagger.batch_size}, "
             f"{cfg.windows.max_tokens}-token windows, {cfg.precision}, capitalization marker "
             f"{'on' if cfg.case_marker else 'off'}. Training took {minutes:.1f} min per seed on "
             f"{m['cpu']} ({m['cores']} cores){shared}."
             + (f" The training documents are a stable sample of {cfg.train_limit} (by id hash)." if cfg.train_limit else "")
             + (f" Training reads sentences, not whole documents: every sentence with a span and "
                f"{cfg.negatives_kept:.0%} of the others." if cfg.negatives_kept < 1 else ""), "",
             "| system | conlleval macro-F1 | conlleval micro-F1 | strict macro-F1 | strict micro-F1 |",
             "|---|---:|---:|---:|---:|"]

    def cell(metric: str) -> str:
        return f"{s[metric]['mean']:.2f} ± {s[metric]['std']:.2f}"

    lines.append(f"| toll tagger, mean ± std over {len(seeds)} seeds | " + " | ".join(cell(x) for x in METRICS) + " |")
    if "ensemble" in results:
        e = results["ensemble"]["test"]
        lines.append(f"| toll tagger, ensemble of the {len(seeds)} seeds | " + " | ".join(f"{e[x]:.2f}" for x in METRICS) + " |")
    for p in cfg.published:
        name = f"{p.system} ({p.parameters})" if p.parameters else p.system
        macro = f"{p.macro_f1:.2f}" if p.macro_f1 is not None else "-"
        micro = f"{p.micro_f1:.2f}" if p.micro_f1 is not None else "-"
        lines.append(f"| {name}, published{': ' + p.note if p.note else ''} | {macro} | {micro} | - | - |")
    per_label = s["per_label_strict_f1"]
    support = seeds[0]["test"]["support"]
    lines += ["", "Per label (strict F1, mean ± std; test support in brackets): " + ", ".join(
        f"{k} {v['mean']:.1f} ± {v['std']:.1f} ({support.get(k, 0)})" for k, v in per_label.items()) + "."]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m toll.eval.benchmarks.ner", description=__doc__.splitlines()[0])
    parser.add_argument("config", help="a benchmark config (configs/benchmarks/*.yaml)")
    parser.add_argument("overrides", nargs="*", help="dotted overrides: --tagger.epochs 3 --seeds '[1]'")
    parser.add_argument("--force", action="store_true", help="retrain seeds that already have results")
    parser.add_argument("--write", type=Path, help="replace this benchmark's section of a markdown file")
    args, extra = parser.parse_known_args(argv)
    overrides = list(args.overrides) + extra

    def body() -> int:
        cfg = load_config(args.config, NerBenchmarkConfig, overrides)
        command = shlex.join(["python", "-m", "toll.eval.benchmarks.ner", args.config, *overrides])
        results = run_benchmark(cfg, force=args.force, log=lambda msg: print(msg, file=sys.stderr, flush=True),
                                command=command)
        section = render(results, cfg, command)
        print(section)
        if args.write:
            replace_section(args.write, results["title"], section)
        return 0

    return run_command(body)


if __name__ == "__main__":
    sys.exit(main())
