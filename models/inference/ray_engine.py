"""``toll-predict --engine ray``: the same :class:`~toll.models.inference.pipeline.Pipeline` over Ray Data.

A pool of actors (``ActorPoolStrategy(size=workers)``) each loads the model once and runs
:meth:`Pipeline.predict_documents` on batches of documents; Ray streams the input through them.
Point ``--ray-address`` at a cluster to scale out (every node needs this package installed and the
model directory at the same path, e.g. on a shared file system); without it a local Ray starts.

Input: ``.jsonl`` and ``.parquet`` files are read by Ray itself (in parallel, from any file system
Ray reads); folders of ``.txt``, ``.csv`` and ``-`` are read on the driver by the local readers
(:mod:`toll.models.inference.inputs`) and handed to Ray. Output: ``--out X.jsonl`` is one JSONL file in input
order, line for line what the local engine writes; ``--out X.parquet`` (or a folder) is a folder of
Parquet files with the columns ``id`` and ``record`` (the same JSON record as a string).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np

from toll.models.common.errors import TollError

DOCS_PER_BATCH = 64  # documents per actor call: one length-sorted pass of the pipeline


class PredictActor:
    """Loads the pipeline once per actor; maps ``{id, text}`` batches to ``{id, record}``."""

    def __init__(self, model: str, backend: str, batch_size: int, min_score: float | None, threads: int | None,
                 text_column: str = "text", id_column: str = "id"):
        from toll.models.inference.pipeline import Pipeline

        self.pipeline = Pipeline.from_pretrained(model, batch_size=batch_size, backend=backend, threads=threads)
        self.min_score = min_score
        self.text_column, self.id_column = text_column, id_column

    def __call__(self, batch: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        from toll.models.text.document import Document

        for column in (self.text_column, self.id_column):
            if column not in batch:
                raise TollError(f"input has no column {column!r} (columns: {', '.join(batch)}); "
                                "choose one with --text-column / --id-column")
        docs = [Document(str(i), "" if t is None else str(t))
                for i, t in zip(batch[self.id_column], batch[self.text_column])]
        records = [json.dumps(p.to_record(), ensure_ascii=False)
                   for p in self.pipeline.predict_documents(docs, chunk_size=len(docs) or 1,
                                                            min_score=self.min_score)]
        return {"id": np.array([d.id for d in docs], dtype=object), "record": np.array(records, dtype=object)}


def _init_ray(address: str | None, num_cpus: int | None, progress: bool):
    import ray

    if not ray.is_initialized():
        kwargs = {"address": address} if address else {"num_cpus": num_cpus}
        ray.init(include_dashboard=False, ignore_reinit_error=True, **kwargs)
    context = ray.data.DataContext.get_current()
    context.execution_options.preserve_order = True  # output in input order, as the local engine
    context.enable_progress_bars = progress
    return ray


def read_dataset(inputs: list[str], options, report, docs_per_batch: int = DOCS_PER_BATCH):
    """A Ray dataset of ``{id, text}`` rows (JSONL and Parquet read by Ray, the rest locally)."""
    import ray

    suffixes = {Path(i).suffix for i in inputs}
    # Readers ask for no CPU: the actor pool may hold every CPU, and a reader waiting for one
    # would wait for ever (reading is I/O next to the networks).
    if inputs and "-" not in inputs and suffixes in ({".parquet"}, {".jsonl"}):
        if suffixes == {".parquet"}:
            dataset = ray.data.read_parquet(inputs, num_cpus=0)
        else:
            dataset = ray.data.read_json(inputs, lines=True, file_extensions=["jsonl"], num_cpus=0)
        columns = dataset.schema().names  # reads the first block only
        for column, flag in ((options.text_column, "--text-column"), (options.id_column, "--id-column")):
            if column not in columns:
                raise TollError(f"{inputs[0]}: no column {column!r} (columns: {', '.join(columns)}); "
                                f"choose one with {flag}")
        return dataset.select_columns([options.id_column, options.text_column])
    if ".parquet" in suffixes:
        raise TollError("mix of .parquet and other inputs: give Parquet files on their own")
    import pandas as pd

    from toll.models.inference.inputs import read_inputs

    docs = [(d.id, d.text) for d in read_inputs(inputs, options, report)]
    # blocks of exactly one actor batch: the same chunks as the local engine's length-sorted passes
    blocks = [pd.DataFrame(docs[i : i + docs_per_batch], columns=[options.id_column, options.text_column])
              for i in range(0, len(docs), docs_per_batch)]
    return ray.data.from_pandas(blocks or [pd.DataFrame(columns=[options.id_column, options.text_column])])


def predict_ray(inputs: list[str], model: str, backend: str, options, report, *, address: str | None = None,
                workers: int | None = None, cpus_per_worker: int = 1, batch_size: int = 16,
                min_score: float | None = None, local_cpus: int | None = None, progress: bool = True,
                docs_per_batch: int = DOCS_PER_BATCH):
    """The prediction dataset (lazy: ``id`` and ``record`` columns) and the number of actors."""
    if backend.startswith("onnx"):
        from toll.models.inference.onnx_export import ensure_exported

        ensure_exported(model)  # once, here, before the actors load it
    ray = _init_ray(address, local_cpus, progress)
    if workers is None:
        workers = max(1, int(ray.cluster_resources().get("CPU", 1) // cpus_per_worker))
    dataset = read_dataset(inputs, options, report, docs_per_batch)
    predictions = dataset.map_batches(
        PredictActor,
        fn_constructor_kwargs={"model": str(Path(model).resolve()), "backend": backend,
                               "batch_size": batch_size, "min_score": min_score,
                               "threads": cpus_per_worker, "text_column": options.text_column,
                               "id_column": options.id_column},
        batch_size=docs_per_batch,
        batch_format="numpy",
        compute=ray.data.ActorPoolStrategy(size=workers),
        num_cpus=cpus_per_worker,
    )
    return predictions, workers


def run_ray(args) -> int:
    """The ``--engine ray`` branch of ``toll-predict`` (arguments as parsed there)."""
    from toll.models.inference.inputs import InputOptions, InputReport
    from toll.models.inference.outputs import write_casualty_csv

    if args.resume:
        raise TollError("--resume works with --engine local only")
    options = InputOptions(args.text_column, args.id_column, args.encoding_errors, args.skip_bad,
                           args.max_chars)
    report = InputReport()
    predictions, workers = predict_ray(
        args.inputs, args.model, args.backend, options, report, address=args.ray_address,
        workers=args.workers, cpus_per_worker=args.cpus_per_worker, batch_size=args.batch_size,
        min_score=args.min_score, progress=not args.no_progress, docs_per_batch=args.chunk_size)
    out = Path(args.out) if args.out else None
    try:
        written = _write(predictions, out, args.csv)
    except Exception as exc:  # a TollError raised in an actor arrives wrapped by Ray
        cause = _toll_error_in(exc)
        if cause is None:
            raise
        raise TollError(str(cause)) from None
    for message in report.skipped:
        print(f"skipped: {message}", file=sys.stderr)
    read = f"{report.summary()}; " if report.documents or report.skipped else ""
    print(f"{read}{written} predicted on {workers} Ray worker(s)", file=sys.stderr)
    if args.csv:
        rows = write_casualty_csv(out, Path(args.csv))
        print(f"{rows} casualty record(s) -> {args.csv}", file=sys.stderr)
    return 0


def _toll_error_in(exc: BaseException) -> TollError | None:
    """The TollError an actor raised, found in the exception chain Ray wraps it in."""
    seen, todo = set(), [exc]
    while todo:
        e = todo.pop()
        if e is None or id(e) in seen:
            continue
        seen.add(id(e))
        if isinstance(e, TollError):
            return e
        todo += [getattr(e, "cause", None), e.__cause__, e.__context__]
    return None


def _write(predictions, out: Path | None, csv: str | None) -> int:
    from toll.models.inference.outputs import JsonlWriter

    written = 0
    if out is not None and (out.suffix == ".parquet" or out.is_dir()):
        if csv:
            raise TollError("--csv needs a JSONL --out")
        import pyarrow.parquet as pq

        predictions.write_parquet(str(out))
        written = sum(pq.ParquetFile(f).metadata.num_rows for f in out.glob("*.parquet"))
    else:
        writer = JsonlWriter(out, resume=False) if out else None
        try:
            for batch in predictions.iter_batches(batch_format="numpy", batch_size=None):
                for line in batch["record"]:
                    if writer:
                        writer.write(json.loads(line))
                    else:
                        sys.stdout.write(line + "\n")
                    written += 1
            if writer:
                writer.finish()
        finally:
            if writer:
                writer.close()
    return written
