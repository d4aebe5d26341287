"""Prediction output files: JSONL (one line per document), a flat CSV of casualty records, and the
run's summary (``OUT.summary.json`` beside ``OUT.jsonl``: the backend and why it was chosen, the
documents read, the positions the networks read; :func:`write_summary`).

The JSONL is written to ``OUT.partial`` one complete line at a time and renamed to ``OUT`` when
the run finishes, so ``OUT`` is never half-written; after an interruption ``--resume`` keeps the
complete lines of ``OUT.partial`` and skips those documents. Nothing is created before the first
line is written, so a refused run leaves no litter.
"""

from __future__ import annotations

import csv
import io
import json
import os
from pathlib import Path
from typing import Iterable

from toll.models.common.atomic import atomic_write_text

CSV_COLUMNS = ["doc_id", "entity", "type", "count_value", "count_low", "count_high", "qualifier", "text",
               "victim", "start", "end", "score", "perpetrators", "sources", "locations", "dates",
               "weapons", "sentence"]


def partial_path(out: Path) -> Path:
    return out.with_name(out.name + ".partial")


def completed_ids(out: Path) -> set[str]:
    """Ids already written by an interrupted run; a torn last line is cut off the partial file."""
    partial = partial_path(out)
    if not partial.exists():
        return set()
    data = partial.read_bytes()
    keep = data[: data.rfind(b"\n") + 1]
    if len(keep) != len(data):
        with partial.open("r+b") as handle:
            handle.truncate(len(keep))
    ids = set()
    for line in keep.decode("utf-8").splitlines():
        if line.strip():
            ids.add(json.loads(line)["id"])
    return ids


class JsonlWriter:
    """Append records to ``OUT.partial``; :meth:`finish` renames it to ``OUT``.

    Nothing on disk changes before the first record (or :meth:`finish`): a run refused before it
    predicts anything leaves no empty ``OUT.partial`` behind, keeps the partial file of an earlier
    interrupted run for ``--resume``, and, resuming, leaves a finished ``OUT`` where it is.

    >>> import tempfile
    >>> out = Path(tempfile.mkdtemp()) / "pred.jsonl"
    >>> writer = JsonlWriter(out, resume=False); writer.close()
    >>> list(out.parent.iterdir())
    []
    >>> writer = JsonlWriter(out, resume=False); writer.write({"id": "a"}); writer.finish()
    >>> out.read_text()
    '{"id": "a"}\\n'
    """

    def __init__(self, out: Path, resume: bool):
        self.out = Path(out)
        self.resume = resume
        self.handle: io.TextIOBase | None = None

    def _open(self) -> io.TextIOBase:
        """Start writing: a fresh run drops an old partial file; resuming a finished file reopens it."""
        if self.handle is None:
            self.out.parent.mkdir(parents=True, exist_ok=True)
            partial = partial_path(self.out)
            if not self.resume and partial.exists():
                partial.unlink()
            if self.resume and self.out.exists() and not partial.exists():
                os.replace(self.out, partial)  # resuming a finished file: keep its lines
            self.handle = partial.open("a", encoding="utf-8")
        return self.handle

    def write(self, record: dict) -> None:
        handle = self._open()
        handle.write(json.dumps(record, ensure_ascii=False) + "\n")
        handle.flush()

    def finish(self) -> None:
        handle = self._open()
        handle.flush()
        os.fsync(handle.fileno())
        handle.close()
        os.replace(partial_path(self.out), self.out)

    def close(self) -> None:
        if self.handle is not None and not self.handle.closed:
            self.handle.close()


def summary_path(out: Path) -> Path:
    """``pred.jsonl`` -> ``pred.summary.json`` (a Parquet folder ``pred`` -> ``pred.summary.json``)."""
    out = Path(out)
    return out.with_name((out.stem if out.suffix else out.name) + ".summary.json")


def write_summary(out: Path, summary: dict) -> Path:
    """Write the run's summary beside ``out`` (atomically, once the run has finished).

    >>> import tempfile
    >>> out = Path(tempfile.mkdtemp()) / "pred.jsonl"
    >>> write_summary(out, {"backend": "onnx", "reason": "asked for by name"}).name
    'pred.summary.json'
    """
    path = summary_path(out)
    atomic_write_text(path, json.dumps(summary, indent=1, ensure_ascii=False) + "\n")
    return path


def casualty_rows(record: dict) -> Iterable[dict]:
    for cas in record["casualties"]:
        yield {
            "doc_id": record["id"], "entity": cas["entity"], "type": cas["type"],
            "count_value": cas["count"]["value"], "count_low": cas["count"]["low"],
            "count_high": cas["count"]["high"], "qualifier": cas["count"]["qualifier"],
            "text": cas["text"], "victim": cas["victim"], "start": cas["start"], "end": cas["end"],
            "score": cas.get("score"),
            **{k: " | ".join(cas[k]) for k in ("perpetrators", "sources", "locations", "dates", "weapons")},
            "sentence": cas.get("sentence", ""),
        }


def write_casualty_csv(jsonl: Path, out: Path) -> int:
    """Flatten a prediction JSONL into the casualty CSV (one row per figure); returns rows."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=CSV_COLUMNS)
    writer.writeheader()
    n = 0
    with Path(jsonl).open(encoding="utf-8") as handle:
        for line in handle:
            record = json.loads(line)
            for row in casualty_rows(record):
                writer.writerow(row)
                n += 1
    atomic_write_text(out, buffer.getvalue())
    return n
