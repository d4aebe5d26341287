"""``toll-train CONFIG [--check] [--resume] [--section.key VALUE ...]``

Train the tagger and the relation classifier from a YAML config, or with ``--check`` only
validate the corpus the config names and print label and relation counts per split (and per
public corpus of ``data.public``).
Dotted overrides change config values: ``toll-train configs/default.yaml --tagger.epochs 3``.
"""

from __future__ import annotations

import argparse
import sys

from toll.models.common.errors import run_command
from toll.models.text.schema import Schema
from toll.training.config import TrainConfig, load_train_config
from toll.training.corpus.files import label_counts
from toll.training.corpus.project import load_project_corpus
from toll.training.corpus.public_data import load_public_sources


def check_corpus(config: TrainConfig) -> int:
    """Print every corpus problem and the counts per split; 0 when the corpus is clean."""
    schema = Schema.load(config.schema_path)
    corpus = load_project_corpus(config.data, schema)
    for name, docs in corpus.splits.items():
        entities, relations = label_counts(docs)
        print(f"{name}: {len(docs)} articles")
        print("  entities:  " + ", ".join(f"{k} {entities.get(k, 0)}" for k in schema.entity_labels))
        print("  relations: " + ", ".join(f"{k} {relations.get(k, 0)}" for k in schema.relation_labels))
    if config.data.public:
        for source, docs in load_public_sources(config.data, schema):
            entities, _ = label_counts(docs)
            exhaustive = ", ".join(docs[0].meta["annotated_labels"]) if docs else ""
            print(f"public {source.corpus} ({source.split}): {len(docs)} documents, tagger only; "
                  f"annotated exhaustively: {exhaustive or 'none'}")
            print("  entities:  " + ", ".join(f"{k} {entities.get(k, 0)}" for k in schema.entity_labels))
    for problem in corpus.problems:
        print(f"problem: {problem}", file=sys.stderr)
    print(f"{len(corpus.problems)} problem(s)")
    return 1 if corpus.problems else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="toll-train", description=__doc__.splitlines()[0])
    parser.add_argument("config", help="YAML training config, e.g. configs/default.yaml")
    parser.add_argument("--check", action="store_true", help="only validate the corpus")
    parser.add_argument("--resume", action="store_true", help="continue from the last checkpoints")
    args, overrides = parser.parse_known_args(argv)
    return run_command(lambda: _train(args, overrides))


def _train(args: argparse.Namespace, overrides: list[str]) -> int:
    config = load_train_config(args.config, overrides)
    if args.check:
        return check_corpus(config)
    # imported here, not at the top: training loads torch and transformers, which --check and --help do not need
    from toll.training.train import train

    out = train(config, resume=args.resume)
    print(f"model written to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
