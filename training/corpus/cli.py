"""``toll-data``: corpus tools (stats, split, agreement, import hand-written markup; the corpus check is
``toll-train CONFIG --check``).

    toll-data import-markup FILE...        # inline markup -> seeds/ + data/corpus/
    toll-data show ARTICLE_ID              # print an annotated article as inline markup
    toll-data crosscheck [--update data/README.md]  # against MUC-4 keys and re3d gold
    toll-data rank PILE --model DIR --select 20 --out next.jsonl   # what to annotate next
    toll-data split                        # put new articles into train (--to dev|test)
    toll-data split --rebuild-real --note  # the real-text splits, a new version
    toll-data stats [--update data/README.md]
    toll-data agreement [--update data/README.md]
    toll-data batch make NAME --origin wikipedia_current_events --count 100   # real text to annotate
    toll-data batch check runs/annotate/NAME
    toll-data batch import runs/annotate/NAME
    toll-data batch standoff runs/annotate/NAME --out DIR [--ids FILE]  # a pass for the agreement study

Each subcommand group is its own module: ``cli_markup`` (import-markup, show), ``cli_splits``
(split), ``cli_reports`` (stats, agreement, crosscheck), ``cli_batches`` (batch), ``cli_rank``
(rank). This module only builds the parser and dispatches.
"""

from __future__ import annotations

import argparse
import sys

from toll.models.common.errors import run_command
from toll.training.corpus.cli_batches import run_batch
from toll.training.corpus.cli_markup import run_import, run_show
from toll.training.corpus.cli_rank import run_rank
from toll.training.corpus.cli_reports import run_agreement, run_crosscheck, run_stats
from toll.training.corpus.cli_splits import run_split


def build_parser() -> argparse.ArgumentParser:
    """Every subcommand's flags; ``func`` is the command that runs them.

    >>> build_parser().parse_args(["show", "000_7115594e92608c01"]).func.__name__
    'run_show'
    """
    parser = argparse.ArgumentParser(prog="toll-data", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    imp = sub.add_parser("import-markup", help="import hand-written articles in inline markup")
    imp.add_argument("files", nargs="+")
    imp.add_argument("--seeds", default="seeds")
    imp.add_argument("--corpus", default="data/corpus")
    imp.add_argument("--schema", default=None)
    imp.add_argument("--no-seeds", action="store_true", help="do not write article texts (second annotations)")
    imp.add_argument("--text-from", help="folder whose <id>.txt the markup text must equal")
    imp.set_defaults(func=run_import)
    split = sub.add_parser("split", help="put new articles into a split (train unless --to says otherwise)")
    split.add_argument("--corpus", default="data/corpus")
    split.add_argument("--standoff", default="data/standoff")
    split.add_argument("--splits", default="data/splits.json")
    split.add_argument("--to", default="train", choices=("train", "dev", "test"),
                       help="the split new articles join (default train: dev and test never change silently)")
    split.add_argument("--rebuild-real", action="store_true",
                       help="rebuild every split (a new version): real text only in dev and test, one incident "
                            "per split; the old written test split becomes test_written")
    split.add_argument("--note", default="", help="--rebuild-real: what the new version is")
    split.add_argument("--seed", type=int, default=0)
    split.add_argument("--test", nargs="*", default=["000_7115594e92608c01"],
                       help="--rebuild-real: articles pinned to the test split (default: the seed article)")
    split.add_argument("--schema", default=None)
    split.set_defaults(func=run_split)
    stats = sub.add_parser("stats", help="corpus statistics per split (Markdown)")
    stats.add_argument("--corpus", default="data/corpus")
    stats.add_argument("--splits", default="data/splits.json")
    stats.add_argument("--seeds", default="seeds")
    stats.add_argument("--standoff", default="data/standoff")
    stats.add_argument("--schema", default=None)
    stats.add_argument("--update", help="rewrite the stats block of this Markdown file (data/README.md)")
    stats.set_defaults(func=run_stats)
    agree = sub.add_parser("agreement", help="agreement between two independent annotation passes")
    agree.add_argument("--first", default="data/agreement/pass1")
    agree.add_argument("--second", default="data/agreement/pass2")
    agree.add_argument("--schema", default=None)
    agree.add_argument("--json", action="store_true")
    agree.add_argument("--differences", action="store_true", help="list the spans only one pass has")
    agree.add_argument("--update", help="rewrite the agreement block of this Markdown file (data/README.md)")
    agree.add_argument("--block", default="agreement", help="the block's name in that file")
    agree.set_defaults(func=run_agreement)
    batch = sub.add_parser("batch", help="annotation batches of real text (make, check, import)")
    batch.add_argument("action", choices=("make", "check", "import", "standoff"))
    batch.add_argument("target", help="make: the new batch's name; check/import: the batch folder")
    batch.add_argument("--origin", default="wikipedia_current_events",
                       help="make: wikinews, wikipedia_current_events, wikipedia_incident_lists, re3d[/SUBSET], muc4")
    batch.add_argument("--count", type=int, default=50)
    batch.add_argument("--seed", type=int, default=0)
    batch.add_argument("--ids", help="make, standoff: a file of item ids to take")
    batch.add_argument("--out", help="standoff: the folder for the records (an annotation pass, no text)")
    batch.add_argument("--again", action="store_true",
                       help="make: allow items annotated before (a blind second pass for the agreement study)")
    batch.add_argument("--batches", default="runs/annotate")
    batch.add_argument("--corpus", default="data/corpus")
    batch.add_argument("--seeds", default="seeds")
    batch.add_argument("--standoff", default="data/standoff")
    batch.add_argument("--schema", default=None)
    batch.set_defaults(func=run_batch)
    cross = sub.add_parser("crosscheck", help="compare the real annotations with MUC-4's keys and re3d's gold")
    cross.add_argument("--corpus", default="data/corpus")
    cross.add_argument("--standoff", default="data/standoff")
    cross.add_argument("--update", help="rewrite the crosscheck block of this Markdown file (data/README.md)")
    cross.set_defaults(func=run_crosscheck)
    rank_cmd = sub.add_parser("rank", help="pick the N unannotated articles most worth annotating next")
    rank_cmd.add_argument("pile", nargs="+", help=".txt files, folders, .jsonl or .csv, as toll-predict reads them")
    rank_cmd.add_argument("--model", required=True)
    rank_cmd.add_argument("--select", type=int, default=20, help="how many articles (default 20)")
    rank_cmd.add_argument("--diversity", type=float, default=0.5,
                          help="weight of dissimilarity to the articles already picked (0: uncertainty only)")
    rank_cmd.add_argument("--text-column", default="text")
    rank_cmd.add_argument("--corpus", default="data/corpus", help="articles already annotated here are left out")
    rank_cmd.add_argument("--standoff", default="data/standoff")
    rank_cmd.add_argument("--out", help="write the picked articles as JSONL (id, text, uncertainty)")
    rank_cmd.set_defaults(func=run_rank)
    show = sub.add_parser("show", help="print an annotated article as inline markup")
    show.add_argument("article")
    show.add_argument("--corpus", default="data/corpus")
    show.set_defaults(func=run_show)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run one subcommand: 0 done, 1 done with problems reported, 2 error (:func:`run_command`)."""
    args = build_parser().parse_args(argv)
    return run_command(lambda: args.func(args))


if __name__ == "__main__":
    sys.exit(main())
