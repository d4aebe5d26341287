"""Does ``configs/full.yaml`` beat ``configs/default.yaml``? Trained models side by side on the
project's test split and on the public test splits none of them trained on.

``python -m toll.eval.benchmarks.full --model default=runs/default/model --model full=runs/full/model
--model full-as_o=runs/full-as_o/model --out runs/benchmarks/full --write eval/benchmarks/README.md``

- the project's test split: the columns of the baselines table (:data:`toll.eval.baselines.run.COLUMNS`),
  scored by :func:`toll.eval.evaluate.evaluate`, the function ``toll-eval`` uses;
- PolNeAR test (84 articles): exact-span P/R/F1 of SOURCE, the one label PolNeAR marks exhaustively;
- MUC-4 test (200 articles): recall of the casualty spans located from the answer keys, exact
  (bounds and label) and found (an overlapping casualty span of any type). MUC-4 keys only the
  relevant incidents, so an unkeyed casualty phrase is not an error: there is no precision.

re3d is left out: ``full.yaml`` trains on all of it (the original JSON has no splits). A model
whose config trained on a public test split gets "trained on it" in that column instead of a score.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from toll.eval.baselines.run import COLUMNS, summary_row
from toll.eval.evaluate import evaluate
from toll.eval.gold import load_gold_split
from toll.models.common.atomic import atomic_write_text
from toll.models.common.errors import TollError, run_command
from toll.models.common.markdown_sections import replace_section
from toll.models.common.yaml_config import read_yaml
from toll.models.scoring import exact_counts, prf
from toll.models.text.schema import Schema
from toll.training.config import DataConfig
from toll.training.corpus.public_data import load_public_sources

HEADING = "configs/full.yaml against configs/default.yaml"
CASUALTY = {"KILLED", "INJURED", "CASUALTIES"}


def parse_model(spec: str) -> tuple[str, Path]:
    """``NAME=DIR`` (or a bare ``DIR``, named after its folder).

    >>> parse_model("full=runs/full/model")
    ('full', PosixPath('runs/full/model'))
    >>> parse_model("runs/default/model")
    ('default', PosixPath('runs/default/model'))
    """
    name, _, path = spec.rpartition("=")
    path = Path(path)
    return name or (path.parent.name if path.name == "model" else path.name), path


def public_tests(schema) -> dict[str, list]:
    """The mapped test documents of PolNeAR and MUC-4 (from ``$TOLL_DATASETS`` or ``../shared/datasets``)."""
    data = DataConfig(public=[{"corpus": "polnear", "split": "test"}, {"corpus": "muc4", "split": "test"}])
    return {source.corpus: docs for source, docs in load_public_sources(data, schema)}


def trained_on_test(model_dir: Path) -> set[str]:
    """The corpora whose test documents the model's training config included."""
    public = (read_yaml(model_dir / "config.yaml").get("data") or {}).get("public") or []
    return {p["corpus"] for p in public if p.get("split") in ("test", "all")}


def polnear_scores(gold: list, pred: list) -> dict:
    totals = [0, 0, 0]
    for g, p in zip(gold, pred):
        for i, n in enumerate(exact_counts(g, p, {"SOURCE"})):
            totals[i] += n
    return prf(*totals)


def muc4_recall(gold: list, pred: list) -> dict:
    """Recall of the keyed casualty spans: exact, and found by an overlapping casualty span.

    >>> from toll.models.text.document import Document, Entity
    >>> g = Document("d", "Terrorists killed five peasants and two soldiers.",
    ...              (Entity("a", 18, 31, "KILLED"), Entity("b", 36, 48, "KILLED")))
    >>> p = g.with_annotations([Entity("x", 18, 31, "KILLED"), Entity("y", 40, 48, "INJURED")])
    >>> muc4_recall([g], [p])
    {'spans': 2, 'exact_recall': 0.5, 'found_recall': 1.0}
    """
    spans = exact = found = 0
    for g, p in zip(gold, pred):
        predicted = [e for e in p.entities if e.label in CASUALTY]
        keys = {(e.start, e.end, e.label) for e in predicted}
        for e in g.entities:
            if e.label not in CASUALTY:
                continue
            spans += 1
            exact += (e.start, e.end, e.label) in keys
            found += any(x.overlaps(e) for x in predicted)
    return {"spans": spans, "exact_recall": round(exact / spans, 4) if spans else 0.0,
            "found_recall": round(found / spans, 4) if spans else 0.0}


def score_model(name: str, model_dir: Path, gold: list, public: dict[str, list], bootstrap: int, log) -> dict:
    # imported here, not at the top: the pipeline loads torch, which `--help` does not need
    from toll.models.inference.pipeline import Pipeline

    start = time.perf_counter()
    pipe = Pipeline.from_pretrained(model_dir)
    result = {"model": str(model_dir), "project": evaluate(pipe, gold, bootstrap).metrics}
    skip = trained_on_test(model_dir)
    for corpus, docs in public.items():
        if corpus in skip:
            result[corpus] = None
            continue
        pred = [p.document for p in pipe.predict_documents(d.without_annotations() for d in docs)]
        result[corpus] = polnear_scores(docs, pred) if corpus == "polnear" else muc4_recall(docs, pred)
    log(f"{name}: scored in {time.perf_counter() - start:.0f} s")
    return result


def render(results: dict[str, dict], command: str, articles: dict[str, int]) -> str:
    head = [h for h, _ in COLUMNS[:5]]
    lines = [f"## {HEADING}", "", f"Produced by `{command}`.", "",
             "| model | " + " | ".join(f"project test: {h}" for h in head) +
             " | PolNeAR test: SOURCE P / R / F1 | MUC-4 test: casualty span recall, exact / found |",
             "|---|" + "---:|" * (len(head) + 2)]
    for name, r in results.items():
        cells = [f"{x:.3f}" for x in summary_row(r["project"])[:5]]
        pol, muc = r.get("polnear"), r.get("muc4")
        cells.append(f"{pol['precision']:.3f} / {pol['recall']:.3f} / {pol['f1']:.3f}" if pol else "trained on it")
        cells.append(f"{muc['exact_recall']:.3f} / {muc['found_recall']:.3f}" if muc else "trained on it")
        lines.append(f"| `{name}` (`{r['model']}`) | " + " | ".join(cells) + " |")
    project = next(iter(results.values()))["project"]
    muc_spans = next((r["muc4"]["spans"] for r in results.values() if r.get("muc4")), 0)
    lines += ["", f"Project test: {project['articles']} articles, the metrics of `toll-eval` (bootstrap "
              "intervals in each model's report; differences of a few points are inside them). "
              f"PolNeAR test: {articles.get('polnear', 0)} articles, SOURCE is the one label it marks "
              f"exhaustively. MUC-4 test: {articles.get('muc4', 0)} articles, {muc_spans} casualty spans "
              "located from the answer keys; MUC-4 keys only relevant incidents, so there is no precision; "
              "found = an overlapping casualty span of any type. re3d is not scored: `configs/full.yaml` "
              "trains on all of it. Every model predicts with its own decision thresholds (`thresholds.json`)."]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m toll.eval.benchmarks.full", description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", action="append", required=True, metavar="NAME=DIR",
                        help="a trained model directory (repeat; the first is the reference)")
    parser.add_argument("--config", default="configs/default.yaml", help="config naming the project's corpus")
    parser.add_argument("--out", type=Path, default=Path("runs/benchmarks/full"),
                        help="folder for results.json and the section")
    parser.add_argument("--bootstrap", type=int, default=200, help="bootstrap samples for the project test")
    parser.add_argument("--write", type=Path, help=f"replace the '## {HEADING}' section of this markdown file")
    args = parser.parse_args(argv)
    command = "python -m toll.eval.benchmarks.full " + " ".join(argv if argv is not None else sys.argv[1:])

    def log(message: str) -> None:
        print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)

    def body() -> int:
        models = [parse_model(m) for m in args.model]
        for name, path in models:
            if not path.is_dir():
                raise TollError(f"--model {name}={path}: not a folder")
        gold, _ = load_gold_split(args.config, "test")
        public = public_tests(Schema.load())
        results = {name: score_model(name, path, gold, public, args.bootstrap, log) for name, path in models}
        args.out.mkdir(parents=True, exist_ok=True)
        atomic_write_text(args.out / "results.json", json.dumps(results, indent=1, default=str))
        section = render(results, command, {k: len(v) for k, v in public.items()})
        print(section)
        if args.write:
            replace_section(args.write, HEADING, section)
            log(f"wrote the '{HEADING}' section of {args.write}")
        return 0

    return run_command(body)


if __name__ == "__main__":
    sys.exit(main())
