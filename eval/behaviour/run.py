"""``python -m toll.eval.behaviour --model DIR [--cases data/behaviour] --out DIR``

Run the behavioural suite (CheckList style) on a trained model and write ``behaviour.md`` and
``behaviour.json`` into ``--out``: pass rates per capability and the failing cases with what the
model said. Before predicting, the suite is checked: every case file well formed, every case id
unique, at least 8 templates per capability, and no case text (or case sentence of six words or
more) in the corpus texts. A failed check is bad input (exit status 2, naming the file and the
case); pass rates never change the exit status.
"""

from __future__ import annotations

import argparse
import json
import shlex
import sys
from pathlib import Path

from tqdm import tqdm

from toll.eval.behaviour.cases import Suite, corpus_overlaps, load_suite, too_few_templates
from toll.eval.behaviour.judge import Verdict, judge_case
from toll.eval.behaviour.report import NOTE, capability_table, render_markdown
from toll.models.common.atomic import atomic_write_text
from toll.models.common.errors import ConfigError, run_command
from toll.models.text.document import Document
from toll.models.text.validation import Problem
from toll.training.corpus.project import load_all_documents

DEFAULT_CASES = "data/behaviour"


def corpus_texts(corpus: str | Path, standoff: str | Path) -> tuple[list[str], int]:
    """Every annotated text of the corpus that is on this machine, and how many standoff texts are
    not (their datasets are elsewhere)."""
    problems: list[Problem] = []
    skipped: dict[str, str] = {}
    docs = load_all_documents(corpus, standoff, problems, skipped)
    return [d.text for d in docs.values()], len(skipped)


def check_suite(suite: Suite, texts: list[str]) -> None:
    """Raise a ConfigError listing every problem: too few templates, case texts in the corpus."""
    problems = too_few_templates(suite) + corpus_overlaps(suite, texts)
    if problems:
        raise ConfigError("the behavioural suite is not usable:\n  " + "\n  ".join(problems))


def predict(pipeline, texts: list[str], progress: bool = True) -> dict[str, list[dict]]:
    """text -> its casualty records, each distinct text predicted once."""
    unique = list(dict.fromkeys(texts))
    docs = (Document(str(i), t) for i, t in enumerate(unique))
    out: dict[str, list[dict]] = {}
    bar = tqdm(total=len(unique), desc="behaviour", unit="text", disable=not progress)
    for text, prediction in zip(unique, pipeline.predict_documents(docs, chunk_size=32)):
        out[text] = prediction.casualties
        bar.update(1)
    bar.close()
    return out


def run_suite(pipeline, suite: Suite, progress: bool = True) -> tuple[list[Verdict], int]:
    """Every case judged (in file order), and the number of distinct texts the model read."""
    cases = suite.cases()
    predictions = predict(pipeline, [t for _, case in cases for t in case.texts()], progress)
    return [judge_case(cap.capability, case, predictions) for cap, case in cases], len(predictions)


def build_result(suite: Suite, verdicts: list[Verdict], n_texts: int, command: str, model: str,
                 texts_searched: int, texts_not_here: int) -> dict:
    table = capability_table(verdicts, {c.capability: c.title for c in suite.capabilities})
    return {
        "command": command,
        "model": model,
        "cases_dir": suite.folder,
        "note": NOTE,
        "corpus_check": {"texts_searched": texts_searched, "texts_not_here": texts_not_here, "overlaps": 0},
        "totals": {"cases": len(verdicts), "texts": n_texts, "passed": sum(v.passed for v in verdicts),
                   "templates": sum(row["templates"] for row in table)},
        "capabilities": table,
        "cases": [{"id": v.case_id, "capability": v.capability, "template": v.template, "kind": v.kind,
                   "passed": v.passed, "problems": v.problems, "said": v.said} for v in verdicts],
    }


def write_report(result: dict, out: str | Path) -> tuple[Path, Path]:
    out = Path(out)
    md, js = out / "behaviour.md", out / "behaviour.json"
    atomic_write_text(md, render_markdown(result))
    atomic_write_text(js, json.dumps(result, indent=1, ensure_ascii=False) + "\n")
    return md, js


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m toll.eval.behaviour", 
                                     description="Run the behavioural suite on a model; write behaviour.md and .json.")
    parser.add_argument("--model", required=True, help="a model directory written by toll-train")
    parser.add_argument("--cases", default=DEFAULT_CASES, help="folder of case files (*.yaml)")
    parser.add_argument("--out", required=True, help="folder for behaviour.md and behaviour.json")
    parser.add_argument("--corpus", default="data/corpus", help="annotated articles the cases must not be in")
    parser.add_argument("--standoff", default="data/standoff", help="standoff records, searched when their texts are here")
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--no-progress", action="store_true")
    args = parser.parse_args(argv)
    command = "python -m toll.eval.behaviour " + shlex.join(sys.argv[1:] if argv is None else argv)
    return run_command(lambda: _run(args, command))


def _run(args: argparse.Namespace, command: str) -> int:
    suite = load_suite(args.cases)
    texts, not_here = corpus_texts(args.corpus, args.standoff)
    check_suite(suite, texts)
    # imported here, not at the top: the pipeline loads torch, which `--help` and a bad case file do not need
    from toll.models.inference.pipeline import Pipeline

    pipeline = Pipeline.from_pretrained(args.model, batch_size=args.batch_size)
    verdicts, n_texts = run_suite(pipeline, suite, progress=not args.no_progress)
    result = build_result(suite, verdicts, n_texts, command, args.model, len(texts), not_here)
    md, js = write_report(result, args.out)
    totals = result["totals"]
    print(f"{totals['passed']}/{totals['cases']} cases passed; wrote {md} and {js}")
    return 0
