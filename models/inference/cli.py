"""``toll-predict INPUT... --model DIR --out OUT.jsonl [--csv OUT.csv] [--backend B] [--engine ray]``

Predict casualty records for articles: ``.txt`` files or folders of them, ``.jsonl`` with ``id``
and ``text``, ``.csv`` with a text column, or ``-`` for standard input. Writes one JSON line per
document (to standard output when no ``--out`` is given) and optionally a flat CSV of figures.

``--backend`` picks what runs the networks: ``auto`` (the default: bf16 where the hardware computes
it, int8 where its measured accuracy loss keeps the rule, fp32 otherwise; see
:mod:`toll.models.inference.backends`), ``torch`` (fp32, the reference), ``torch-bf16``, ``onnx``
(ONNX Runtime fp32, fused attention) or ``onnx-int8``; the ONNX ones are exported to ``DIR/onnx/``
on first use, or ahead of time with ``toll-predict --export-only --model DIR``. The backend and
why it was chosen are printed (``backend: torch-bf16 (CPU has AVX-512 BF16; ...)``) and recorded,
with the positions the networks read, in ``OUT.summary.json`` beside ``--out OUT.jsonl``.
``--engine ray`` runs the same pipeline on a Ray cluster (:mod:`toll.models.inference.ray_engine`;
``auto`` is resolved on the machine that starts it).

Document ids must be unique across all inputs (a repeated id breaks joins and ``--resume``): a
repeat is refused naming both places (``file:line``) before the model loads, or, with
``--dedupe-ids``, written as ``id#2``, ``id#3``, ... with a warning.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from pathlib import Path
from typing import Iterable, Iterator

from toll.models.text.document import Document
from toll.models.common.errors import TollError, run_command


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="toll-predict", description=__doc__.splitlines()[0])
    from toll.models.inference.backends import BACKENDS, DEFAULT_BACKEND

    p.add_argument("inputs", nargs="*", help="files, folders, .jsonl, .csv, or - for stdin "
                   "(with --engine ray also .parquet)")
    p.add_argument("--model", required=True, help="model directory written by toll-train")
    p.add_argument("--count-convention", choices=("literal", "acled"), default="literal",
                   help="how vague counts read: literal (dozens = at least 24) or acled (ACLED's conservative "
                        "coding: dozens = 12); the README's Counts table has every rule")
    p.add_argument("--backend", choices=BACKENDS, default=DEFAULT_BACKEND,
                   help=f"what runs the networks (default {DEFAULT_BACKEND}: bf16 where the hardware computes it, "
                        "int8 where its measured loss is within 0.5 F1 points, else fp32; see "
                        "models/inference/backends.py)")
    p.add_argument("--threads", type=int, help="intra-op threads per process (default: all cores)")
    p.add_argument("--export-only", action="store_true",
                   help="write the ONNX exports to MODEL/onnx/ (rebuilt when stale) and exit")
    p.add_argument("--engine", choices=["local", "ray"], default="local",
                   help="local: this process; ray: a pool of Ray actors (see README, Speed and scale)")
    p.add_argument("--ray-address", help="Ray cluster to join (default: start a local Ray)")
    p.add_argument("--workers", type=int, help="Ray actors, each loading the model once "
                   "(default: the cluster's CPUs / --cpus-per-worker)")
    p.add_argument("--cpus-per-worker", type=int, default=1, help="CPUs (and threads) per Ray actor")
    p.add_argument("--out", help="output JSONL (default: standard output)")
    p.add_argument("--csv", help="also write a flat CSV of casualty records here")
    p.add_argument("--min-score", type=float, default=None,
                   help="drop entities/relations scored below this (default: the thresholds tuned on dev "
                        "and saved with the model, thresholds.json; 0 keeps every decision)")
    p.add_argument("--batch-size", type=int, default=16, help="windows per forward pass")
    p.add_argument("--chunk-size", type=int, default=64,
                   help="documents per length-sorted pass (with --engine ray: per actor call)")
    p.add_argument("--text-column", default="text", help="CSV/JSONL field holding the text")
    p.add_argument("--id-column", default="id", help="CSV/JSONL field holding the document id")
    p.add_argument("--encoding-errors", choices=["replace", "strict"], default="replace",
                   help="replace undecodable bytes (counted) or refuse the file")
    p.add_argument("--skip-bad", action="store_true", help="skip bad JSONL lines and binary files, counted")
    p.add_argument("--max-chars", type=int, default=2_000_000,
                   help="skip (and count) documents longer than this many characters")
    p.add_argument("--dedupe-ids", action="store_true",
                   help="write a repeated document id as ID#2, ID#3, ... (with a warning) instead of refusing it")
    p.add_argument("--resume", action="store_true", help="skip documents already in OUT, append the rest")
    p.add_argument("--no-progress", action="store_true")
    return p


def run(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from toll.models.inference.inputs import InputOptions, InputReport, count_inputs
    from toll.models.inference.outputs import JsonlWriter, completed_ids, write_casualty_csv, write_summary
    from toll.models.inference.pipeline import Pipeline
    from toll.models.inference.positions import count_words

    if args.export_only:
        return export_only(args)
    if not args.inputs:
        raise TollError("no input: name files, folders, .jsonl/.csv, or - for stdin")
    if args.csv and not args.out:
        raise TollError("--csv needs --out (the CSV is made from the JSONL)")
    if args.engine == "ray":
        return run_on_ray(args)
    options = InputOptions(args.text_column, args.id_column, args.encoding_errors, args.skip_bad,
                           args.max_chars)
    if not args.dedupe_ids and "-" not in args.inputs:  # stdin is read once: checked as it streams
        refuse_duplicate_ids(args.inputs, options)
    pipeline = Pipeline.from_pretrained(args.model, batch_size=args.batch_size, backend=args.backend,
                                        threads=args.threads)
    pipeline.count_convention = args.count_convention
    choice, positions = pipeline.backend.choice, pipeline.backend.positions
    print(f"backend: {choice.backend} ({choice.reason})", file=sys.stderr)
    report = InputReport()
    renamed: list[str] = []
    done = completed_ids(Path(args.out)) if (args.out and args.resume) else set()
    located = located_documents(args.inputs, options, report)
    docs = (d for d in unique_ids(located, args.dedupe_ids, renamed) if d.id not in done)
    writer = JsonlWriter(Path(args.out), resume=args.resume) if args.out else None
    total = count_inputs(args.inputs)
    bar = tqdm(total=None if total is None else max(0, total - len(done)), unit="doc",
               disable=args.no_progress or None, file=sys.stderr)
    written = 0
    try:
        for prediction in pipeline.predict_documents(docs, chunk_size=args.chunk_size, min_score=args.min_score):
            record = prediction.to_record()
            positions.words += count_words(pipeline.tokenizer, prediction.document.text)
            if writer:
                writer.write(record)
            else:
                sys.stdout.write(json.dumps(record, ensure_ascii=False) + "\n")
            written += 1
            bar.update(1)
        if writer:
            writer.finish()
    finally:
        bar.close()
        if writer:
            writer.close()
    for message in report.skipped:
        print(f"skipped: {message}", file=sys.stderr)
    for message in renamed[:5]:
        print(f"warning: {message}", file=sys.stderr)
    if len(renamed) > 5:
        print(f"warning: ... and {len(renamed) - 5} more repeated id(s) renamed", file=sys.stderr)
    resumed = f", {len(done)} already done" if done else ""
    deduped = f", {len(renamed)} repeated id(s) renamed" if renamed else ""
    print(f"{report.summary()}; {written} predicted{resumed}{deduped}", file=sys.stderr)
    print(positions.in_words(), file=sys.stderr)
    if args.out:
        write_summary(Path(args.out), {
            **choice.record(), "model": str(args.model), "documents_read": report.documents, "predicted": written,
            "already_done": len(done), "skipped": len(report.skipped), "renamed_ids": len(renamed),
            "undecodable_bytes_replaced": report.replaced_characters, "positions": positions.record()})
    if args.csv:
        rows = write_casualty_csv(Path(args.out), Path(args.csv))
        print(f"{rows} casualty record(s) -> {args.csv}", file=sys.stderr)
    return 0


def run_on_ray(args: argparse.Namespace) -> int:
    """``--engine ray``: ``auto`` resolved here, on the machine that starts the run (the cluster's
    nodes are taken to be alike), then :func:`toll.models.inference.ray_engine.run_ray`."""
    from toll.models.inference.backends import Choice, auto_backend
    from toll.models.inference.model_dir import check_model_dir
    from toll.models.inference.outputs import write_summary
    from toll.models.inference.ray_engine import run_ray

    check_model_dir(args.model)
    choice = auto_backend(args.model) if args.backend == "auto" else Choice(args.backend, "asked for by name")
    print(f"backend: {choice.backend} ({choice.reason})", file=sys.stderr)
    code = run_ray(argparse.Namespace(**{**vars(args), "backend": choice.backend}))
    if args.out and code == 0:  # the positions are counted in each actor and not gathered
        write_summary(Path(args.out), {**choice.record(), "model": str(args.model), "engine": "ray"})
    return code


def located_documents(sources: list[str], options, report) -> Iterator[tuple[Document, str]]:
    """Each input document with where it came from: ``file:line`` for a JSONL line or CSV row, the
    path for a text file, ``<stdin>`` for standard input."""
    from toll.models.inference.inputs import read_inputs

    for source in sources:
        name = "<stdin>" if source == "-" else source
        for doc in read_inputs([source], options, report):
            if "path" in doc.meta:
                yield doc, doc.meta["path"]
            else:
                yield doc, f"{name}:{doc.meta['line']}" if "line" in doc.meta else name


def unique_ids(located: Iterable[tuple[Document, str]], dedupe: bool, renamed: list[str]) -> Iterator[Document]:
    """The documents, refusing a repeated id (naming both places) or, with ``dedupe``, renaming it
    ``id#2``, ``id#3``, ... (never an id already taken) and noting it in ``renamed``.

    >>> docs = [(Document("a", "x"), "in.jsonl:1"), (Document("a", "y"), "in.jsonl:4"),
    ...         (Document("a#2", "z"), "more.jsonl:1")]
    >>> renamed = []
    >>> [d.id for d in unique_ids(docs, dedupe=True, renamed=renamed)], renamed[0]
    (['a', 'a#2', 'a#2#2'], "repeated id 'a' at in.jsonl:4 (first at in.jsonl:1) written as 'a#2'")
    >>> [d.id for d in unique_ids(docs, dedupe=False, renamed=[])]
    Traceback (most recent call last):
    ...
    toll.models.common.errors.TollError: repeated document id 'a': in.jsonl:1 and in.jsonl:4; give each document its own id, or pass --dedupe-ids to write the repeats as 'a#2', 'a#3', ...
    """
    first: dict[str, str] = {}
    last_suffix: dict[str, int] = {}
    for doc, where in located:
        if doc.id in first:
            if not dedupe:
                raise TollError(f"repeated document id {doc.id!r}: {first[doc.id]} and {where}; give each document "
                                f"its own id, or pass --dedupe-ids to write the repeats as '{doc.id}#2', "
                                f"'{doc.id}#3', ...")
            n = last_suffix.get(doc.id, 1) + 1
            while f"{doc.id}#{n}" in first:
                n += 1
            last_suffix[doc.id] = n
            new = f"{doc.id}#{n}"
            renamed.append(f"repeated id {doc.id!r} at {where} (first at {first[doc.id]}) written as {new!r}")
            doc = dataclasses.replace(doc, id=new)
        first[doc.id] = where
        yield doc


def refuse_duplicate_ids(sources: list[str], options) -> None:
    """Read the inputs once, ids only, and refuse a repeated id before anything is predicted."""
    from toll.models.inference.inputs import InputReport

    for _ in unique_ids(located_documents(sources, options, InputReport()), dedupe=False, renamed=[]):
        pass


def export_only(args: argparse.Namespace) -> int:
    from toll.models.inference.model_dir import check_model_dir
    from toll.models.inference.onnx_export import ensure_exported, is_current, variant_files

    check_model_dir(args.model)
    fresh = not is_current(args.model)
    folder = ensure_exported(args.model)
    files = ", ".join(f for v in ("onnx", "onnx-int8") for f in variant_files(v))
    print(f"{'exported' if fresh else 'up to date'}: {folder} ({files})", file=sys.stderr)
    return 0


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return run_command(lambda: run(args), interrupted="interrupted: complete lines are kept; rerun with --resume")


if __name__ == "__main__":
    sys.exit(main())
