"""``toll-predict INPUT... --model DIR --out OUT.jsonl [--csv OUT.csv] [--backend B] [--engine ray]``

Predict casualty records for articles: ``.txt`` files or folders of them, ``.jsonl`` with ``id``
and ``text``, ``.csv`` with a text column, or ``-`` for standard input. Writes one JSON line per
document (to standard output when no ``--out`` is given) and optionally a flat CSV of figures.

``--backend`` picks what runs the networks: ``torch``, ``onnx`` (ONNX Runtime fp32, fused
attention) or ``onnx-int8``; the ONNX ones are exported to ``DIR/onnx/`` on first use, or ahead of
time with ``toll-predict --export-only --model DIR``. ``--engine ray`` runs the same pipeline on a
Ray cluster (:mod:`models.ray_engine`).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from models.errors import TollError, run_command


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="toll-predict", description=__doc__.splitlines()[0])
    from models.backends import BACKENDS, DEFAULT_BACKEND

    p.add_argument("inputs", nargs="*", help="files, folders, .jsonl, .csv, or - for stdin "
                   "(with --engine ray also .parquet)")
    p.add_argument("--model", required=True, help="model directory written by toll-train")
    p.add_argument("--backend", choices=BACKENDS, default=DEFAULT_BACKEND,
                   help=f"what runs the networks (default {DEFAULT_BACKEND}: see models/backends.py)")
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
    p.add_argument("--resume", action="store_true", help="skip documents already in OUT, append the rest")
    p.add_argument("--no-progress", action="store_true")
    return p


def run(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from models.inputs import InputOptions, InputReport, count_inputs, read_inputs
    from models.outputs import JsonlWriter, completed_ids, write_casualty_csv
    from models.pipeline import Pipeline

    if args.export_only:
        return export_only(args)
    if not args.inputs:
        raise TollError("no input: name files, folders, .jsonl/.csv, or - for stdin")
    if args.csv and not args.out:
        raise TollError("--csv needs --out (the CSV is made from the JSONL)")
    if args.engine == "ray":
        from models.ray_engine import run_ray

        return run_ray(args)
    pipeline = Pipeline.from_pretrained(args.model, batch_size=args.batch_size, backend=args.backend,
                                        threads=args.threads)
    options = InputOptions(args.text_column, args.id_column, args.encoding_errors, args.skip_bad,
                           args.max_chars)
    report = InputReport()
    done = completed_ids(Path(args.out)) if (args.out and args.resume) else set()
    docs = (d for d in read_inputs(args.inputs, options, report) if d.id not in done)
    writer = JsonlWriter(Path(args.out), resume=args.resume) if args.out else None
    total = count_inputs(args.inputs)
    bar = tqdm(total=None if total is None else max(0, total - len(done)), unit="doc",
               disable=args.no_progress or None, file=sys.stderr)
    written = 0
    try:
        for prediction in pipeline.predict_documents(docs, chunk_size=args.chunk_size, min_score=args.min_score):
            record = prediction.to_record()
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
    resumed = f", {len(done)} already done" if done else ""
    print(f"{report.summary()}; {written} predicted{resumed}", file=sys.stderr)
    if args.csv:
        rows = write_casualty_csv(Path(args.out), Path(args.csv))
        print(f"{rows} casualty record(s) -> {args.csv}", file=sys.stderr)
    return 0


def export_only(args: argparse.Namespace) -> int:
    from models.model_dir import check_model_dir
    from models.onnx_backend import ensure_exported, is_current, variant_files

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
