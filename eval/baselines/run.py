"""Score the baselines on a corpus split with the trained model's own metrics, beside the trained model.

``python -m toll.eval.baselines.run --split test --out runs/baselines [--write eval/benchmarks/README.md]``
(``make bench-baselines``). Each baseline (``rules``, ``spacy``, ``spacy+rules``; see
:mod:`toll.eval.baselines`) is scored by :func:`toll.eval.evaluate.evaluate`, the function ``toll-eval`` uses,
and gets the same ``metrics.json`` and ``report.md`` under ``OUT/<name>/``. The comparison table puts
the trained default model beside them, read from its committed report
(``eval/reports/default/metrics.json``, the same metric keys), and is printed; ``--write`` replaces
the ``## Baselines on the project's <split> split`` section of a markdown file (or appends it) and
leaves every other section alone.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from toll.eval.baselines.rules import RuleBaseline
from toll.eval.baselines.spacy_ner import MAPPING_PATH, SpacyBaseline, SpacyRulesBaseline
from toll.eval.evaluate import evaluate
from toll.eval.gold import load_gold_split
from toll.eval.report import write_report
from toll.models.common.atomic import atomic_write_text
from toll.models.common.errors import TollError, run_command
from toll.models.common.markdown_sections import replace_section
from toll.training.corpus.readers.mapping import load_mapping

REPO = Path(__file__).resolve().parents[2]
REFERENCE = Path("eval/reports/default/metrics.json")
BASELINES = ("rules", "spacy", "spacy+rules")

# (column header, where the figure is in an evaluate() metrics dict)
COLUMNS = (
    ("entities micro-F1 (seqeval strict)", lambda m: m["entities"]["seqeval"]["micro"]["f1"]),
    ("entities macro-F1", lambda m: m["entities"]["seqeval"]["macro"]["f1"]),
    ("casualty spans F1", lambda m: m["casualty_spans"]["f1"]),
    ("relations end to end F1", lambda m: m["relations_end_to_end"]["micro"]["f1"]),
    ("relations on gold entities F1", lambda m: m["relations_gold_entities"]["micro"]["f1"]),
    # undefined (None) when no gold figure was found: there is no count to compare
    ("count exact match on found figures",
     lambda m: m["casualty_records"]["count_exact_match"] if m["casualty_records"]["matched_figures"] else None),
)


def heading(split: str) -> str:
    return f"Baselines on the project's {split} split"


def make_baseline(name: str):
    """A fresh baseline by name (the spaCy ones load spaCy: a :class:`TollError` without it)."""
    kinds = {"rules": RuleBaseline, "spacy": SpacyBaseline, "spacy+rules": SpacyRulesBaseline}
    if name not in kinds:
        raise TollError(f"unknown baseline {name!r} (known: {', '.join(kinds)})")
    return kinds[name]()


def summary_row(metrics: dict) -> list[float | None]:
    """The table's figures from a metrics dict (``None``: undefined).

    >>> m = {"entities": {"seqeval": {"micro": {"f1": 0.5}, "macro": {"f1": 0.4}}},
    ...      "casualty_spans": {"f1": 0.6}, "relations_end_to_end": {"micro": {"f1": 0.3}},
    ...      "relations_gold_entities": {"micro": {"f1": 0.7}},
    ...      "casualty_records": {"count_exact_match": 0.0, "matched_figures": 0}}
    >>> summary_row(m)
    [0.5, 0.4, 0.6, 0.3, 0.7, None]
    """
    try:
        return [get(metrics) for _, get in COLUMNS]
    except KeyError as exc:
        raise TollError(f"metrics without the key {exc} (written by an older toll-eval?)") from None


def read_reference(path: Path, articles: int) -> dict:
    """The trained model's committed metrics; refused when they cover another number of articles."""
    if not path.exists():
        raise TollError(f"{path}: not found (make train reports writes it)")
    try:
        metrics = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise TollError(f"{path}: not valid JSON ({exc})") from None
    if metrics.get("articles") != articles:
        raise TollError(f"{path} scores {metrics.get('articles')} articles, the split has {articles}: "
                        "the corpus changed since the report; rerun make reports")
    return metrics


def render(rows: list[tuple[str, dict]], command: str, notes: list[str], split: str) -> str:
    """The markdown section: the command, then one row per system, then the notes.

    >>> m = {"entities": {"seqeval": {"micro": {"f1": 0.5}, "macro": {"f1": 0.4}}},
    ...      "casualty_spans": {"f1": 0.6}, "relations_end_to_end": {"micro": {"f1": 0.3}},
    ...      "relations_gold_entities": {"micro": {"f1": 0.7}},
    ...      "casualty_records": {"count_exact_match": 0.0, "matched_figures": 0}}
    >>> print(render([("rules", m)], "python -m toll.eval.baselines.run", [], "test"))
    ## Baselines on the project's test split
    <BLANKLINE>
    Produced by `python -m toll.eval.baselines.run`.
    <BLANKLINE>
    | system | entities micro-F1 (seqeval strict) | entities macro-F1 | casualty spans F1 | relations end to end F1 | relations on gold entities F1 | count exact match on found figures |
    |---|---:|---:|---:|---:|---:|---:|
    | rules | 0.500 | 0.400 | 0.600 | 0.300 | 0.700 | - |
    <BLANKLINE>
    """
    lines = [f"## {heading(split)}", "", f"Produced by `{command}`.", "",
             "| system | " + " | ".join(h for h, _ in COLUMNS) + " |", "|---|" + "---:|" * len(COLUMNS)]
    for name, metrics in rows:
        cells = ["-" if x is None else f"{x:.3f}" for x in summary_row(metrics)]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines + [""] + [n + "\n" for n in notes])


def mapping_summary() -> str:
    """The spaCy mapping in words, from ``configs/mappings/spacy.yaml`` itself.

    >>> mapping_summary().split("; ")[0]
    'GPE, LOC, FAC -> LOCATION'
    """
    mapping = load_mapping(MAPPING_PATH)
    targets: dict[str, list[str]] = {}
    for source, target in mapping.entities.items():
        targets.setdefault(target, []).append(source)
    return "; ".join(f"{', '.join(s)} -> {t}" for t, s in targets.items()) + \
        f"; unmapped: {', '.join(mapping.unmapped.entities)}"


def notes(described: str, articles: int, reference: Path | None, versions: str) -> list[str]:
    ref = (f"The trained default model's row is not re-run: its figures are read from the committed "
           f"`{reference}` (`toll-eval` on the same split, the same metric keys)." if reference else
           "No trained-model row: the committed report covers the test split only.")
    return [
        f"{articles} articles of {described}; every baseline is scored by `toll.eval.evaluate.evaluate`, the "
        f"function `toll-eval` uses, so each column is the same metric as in the trained model's report "
        f"(per-baseline `metrics.json` and `report.md` under the `--out` folder). {ref}",
        "**rules**: regular expressions for every label and nearest-mention relations "
        "(`eval/baselines/rules.py`). **spacy**: spaCy's small English pipeline with its entity types "
        f"mapped onto the schema by `configs/mappings/spacy.yaml` ({mapping_summary()}); it predicts no "
        "casualty spans and no relations. **spacy+rules**: spaCy's mapped entities plus the rule "
        "baseline's casualty spans, each linked to the nearest mapped entity of every type in its "
        f"sentence. {versions}",
        "Relations on gold entities: the system links the gold entities; spacy+rules links them as the "
        "rule baseline does, so by construction its figure is the rules figure. Count exact match is over "
        "the gold figures a predicted figure overlaps (\"-\": none found). With this few articles, "
        "differences of a few points are noise: the reports give bootstrap intervals.",
    ]


def evaluate_baselines(names: list[str], gold: list, out: Path, described: str, bootstrap: int,
                       log) -> tuple[list[tuple[str, dict]], str]:
    rows, versions = [], ""
    for name in names:
        start = time.perf_counter()
        baseline = make_baseline(name)
        metrics = evaluate(baseline, gold, bootstrap).metrics
        folder = out / name.replace("+", "-")
        write_report(folder, metrics, f"toll baseline {name} on {described}")
        log(f"{name}: {len(gold)} articles in {time.perf_counter() - start:.1f} s -> {folder / 'report.md'}")
        rows.append((name, metrics))
        if hasattr(baseline, "nlp") and not versions:
            import spacy

            versions = (f"spaCy {spacy.__version__}, model {baseline.nlp.meta.get('lang')}_"
                        f"{baseline.nlp.meta.get('name')} {baseline.nlp.meta.get('version')}.")
    return rows, versions


def run(args: argparse.Namespace, command: str) -> int:
    names = [n.strip() for n in args.baselines.split(",") if n.strip()]
    for name in names:
        if name not in BASELINES:
            raise TollError(f"unknown baseline {name!r} (known: {', '.join(BASELINES)})")
    gold, described = load_gold_split(args.config, args.split)
    if not gold:
        raise TollError(f"the {args.split} split has no articles")
    reference = read_reference(args.reference, len(gold)) if args.split == "test" else None

    def log(message: str) -> None:
        print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)

    rows, versions = evaluate_baselines(names, gold, args.out, described, args.bootstrap, log)
    if reference is not None:
        rows.insert(0, (f"trained default model (`{args.reference}`)", reference))
    section = render(rows, command, notes(described, len(gold), args.reference if reference else None, versions),
                     args.split)
    atomic_write_text(args.out / "README.md", section)
    print(section)
    if args.write:
        replace_section(args.write, heading(args.split), section)
        log(f"wrote the '{heading(args.split)}' section of {args.write}")
    return 0


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = argparse.ArgumentParser(prog="python -m toll.eval.baselines.run", description=__doc__.splitlines()[0])
    parser.add_argument("--split", default="test", help="corpus split to score (default: %(default)s)")
    parser.add_argument("--config", type=Path, default=Path("configs/default.yaml"),
                        help="training config naming the corpus and splits (default: %(default)s)")
    parser.add_argument("--out", type=Path, required=True, help="folder for each baseline's metrics.json and report.md")
    parser.add_argument("--baselines", default=",".join(BASELINES), help="comma-separated (default: %(default)s)")
    parser.add_argument("--reference", type=Path, default=REFERENCE,
                        help="the trained model's committed test metrics (default: %(default)s)")
    parser.add_argument("--bootstrap", type=int, default=1000, help="article resamples for the 95%% CIs in the reports")
    parser.add_argument("--write", type=Path, help="replace this split's baseline section of a markdown file")
    args = parser.parse_args(argv)
    command = " ".join(["python -m toll.eval.baselines.run", *argv])
    return run_command(lambda: run(args, command))


if __name__ == "__main__":
    sys.exit(main())
