"""``toll-data rank``: the unannotated articles of a pile most worth annotating next, by the model's uncertainty.

The picked articles go to ``--out`` as JSONL (id, text, uncertainty), ready for ``toll-studio push``.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from toll.models.common.atomic import atomic_write_text
from toll.models.common.errors import CorpusError
from toll.models.inference.inputs import InputOptions, InputReport, read_inputs
from toll.training.corpus.active_learning import rank


def run_rank(args: argparse.Namespace) -> int:
    """Rank the pile's articles not yet in the corpus; print and (``--out``) write the picked ones."""
    # imported here: the pipeline loads torch, which `toll-data --help` and the other commands do without
    from toll.models.inference.pipeline import Pipeline

    report = InputReport()
    docs = list(read_inputs(args.pile, InputOptions(text_column=args.text_column), report))
    exclude = {p.stem for p in Path(args.corpus).glob("*.json")} | {p.stem for p in Path(args.standoff).glob("*.json")}
    docs = [d for d in docs if d.id not in exclude]
    if not docs:
        raise CorpusError(f"no unannotated article in {', '.join(args.pile)}")
    picked = rank(Pipeline.from_pretrained(args.model), [d.text for d in docs], args.select, args.diversity)
    lines = [json.dumps({"id": docs[i].id, "text": docs[i].text, "uncertainty": round(score, 4)}, ensure_ascii=False)
             for i, score in picked]
    for i, score in picked:
        print(f"{score:.4f}  {docs[i].id}")
    if args.out:
        atomic_write_text(Path(args.out), "\n".join(lines) + "\n")
        print(f"{len(lines)} article(s) -> {args.out} (push them with toll-studio push {args.out})")
    return 0
