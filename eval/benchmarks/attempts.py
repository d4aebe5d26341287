"""A table of benchmark attempts from their saved results: what each run changed and what it gave.

``python -m toll.eval.benchmarks.attempts runs/benchmarks/re3d runs/benchmarks/re3d-macro ... --title
"re3d: what we tried" --write eval/benchmarks/README.md`` reads each run's ``results.json`` (written
by :mod:`toll.eval.benchmarks.ner`, with the config and command that produced it) and writes one row per
run, so the table can always be traced back to commands. ``--keep-rows`` keeps the rows already
written for runs not given (their folders may be gone; each row names the command that made it).
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
from pathlib import Path

from toll.models.common.markdown_sections import read_section, replace_section
from toll.models.common.errors import CorpusError, run_command


def load_results(run_dir: Path) -> dict:
    path = run_dir / "results.json"
    try:
        return json.loads(path.read_text())
    except (OSError, json.JSONDecodeError) as exc:
        raise CorpusError(f"{path}: no benchmark results ({exc}); run python -m toll.eval.benchmarks.ner first") from None


def row(results: dict) -> str:
    s = results["summary"]
    seeds = results["seeds"]
    minutes = statistics.mean(x["train_seconds"] for x in seeds) / 60
    ens = results.get("ensemble", {}).get("test")
    ensemble = f"{ens['conll_macro_f1']:.2f} / {ens['strict_micro_f1']:.2f}" if ens else "-"
    cfg = results.get("config", {})
    command = results.get("command", "")
    return (f"| `{cfg.get('name', results['name'])}` | {results.get('note') or 'the config as committed'} | "
            f"{s['conll_macro_f1']['mean']:.2f} ± {s['conll_macro_f1']['std']:.2f} | "
            f"{s['strict_micro_f1']['mean']:.2f} ± {s['strict_micro_f1']['std']:.2f} | {ensemble} | "
            f"{len(seeds)} | {minutes:.1f} | `{command}` |")


def section_rows(path: Path, title: str) -> dict[str, str]:
    """The rows of an attempts table already written under ``## title`` in ``path``, by run name.

    >>> import tempfile
    >>> path = Path(tempfile.mkdtemp()) / "README.md"
    >>> _ = path.write_text("## T\\n\\n| run | x |\\n|---|---|\\n| `re3d` | 1 |\\n\\n## Other\\n\\n| `b` | 2 |\\n")
    >>> section_rows(path, "T")
    {'re3d': '| `re3d` | 1 |'}
    """
    rows = re.findall(r"^(\| `([^`]+)` \|.*)$", read_section(path, title), re.M)
    return {name: line for line, name in rows}


def render(runs: list[dict], title: str, kept: dict[str, str] | None = None) -> str:
    """The table: ``kept`` rows (name -> row, from a previous write) first, then one row per run;
    a run replaces a kept row of its name."""
    fresh = {r.get("config", {}).get("name", r["name"]): row(r) for r in runs}
    kept = {name: line for name, line in (kept or {}).items() if name not in fresh}
    earlier = (f" Rows of earlier runs ({', '.join(f'`{n}`' for n in kept)}) are kept as they were written "
               "(`--keep-rows`), possibly on another machine: compare minutes within one machine only."
               if kept else "")
    lines = [f"## {title}", "",
             "Test split, points; mean ± std over seeds. Written by `python -m toll.eval.benchmarks.attempts` from "
             f"each run's saved `results.json`; the last column is the command that produced the run.{earlier}", "",
             "| run | what it changes | conlleval macro-F1 | strict micro-F1 | ensemble (macro / micro) | seeds "
             "| min per seed | command |",
             "|---|---|---:|---:|---:|---:|---:|---|"]
    lines += [*kept.values(), *fresh.values()]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m toll.eval.benchmarks.attempts", description=__doc__.splitlines()[0])
    parser.add_argument("runs", nargs="+", type=Path, help="run folders of python -m toll.eval.benchmarks.ner")
    parser.add_argument("--title", required=True, help="the markdown section heading")
    parser.add_argument("--write", type=Path, help="replace that section of this markdown file")
    parser.add_argument("--keep-rows", action="store_true",
                        help="keep the rows already in the --write file's section whose run is not given "
                             "(their run folders may be gone; each row still names its command)")
    args = parser.parse_args(argv)
    if args.keep_rows and not args.write:
        parser.error("--keep-rows needs --write")

    def body() -> int:
        kept = section_rows(args.write, args.title) if args.keep_rows else None
        section = render([load_results(r) for r in args.runs], args.title, kept)
        print(section)
        if args.write:
            replace_section(args.write, args.title, section)
        return 0

    return run_command(body)


if __name__ == "__main__":
    sys.exit(main())
