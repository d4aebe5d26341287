"""Prediction output files: JSONL (one line per document) and a flat CSV of casualty records.

The JSONL is written to ``OUT.partial`` one complete line at a time and renamed to ``OUT`` when
the run finishes, so ``OUT`` is never half-written; after an interruption ``--resume`` keeps the
complete lines of ``OUT.partial`` and skips those documents.
"""

from __future__ import annotations

import csv
import io
import json
import os
from pathlib import Path
from typing import Iterable

from models.atomic import atomic_write_text

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
    """Append records to ``OUT.partial``; :meth:`finish` renames it to ``OUT``."""

    def __init__(self, out: Path, resume: bool):
        self.out = Path(out)
        self.out.parent.mkdir(parents=True, exist_ok=True)
        partial = partial_path(self.out)
        if not resume and partial.exists():
            partial.unlink()
        if resume and self.out.exists() and not partial.exists():
            os.replace(self.out, partial)  # resuming a finished file: keep its lines
        self.handle = partial.open("a", encoding="utf-8")

    def write(self, record: dict) -> None:
        self.handle.write(json.dumps(record, ensure_ascii=False) + "\n")
        self.handle.flush()

    def finish(self) -> None:
        self.handle.flush()
        os.fsync(self.handle.fileno())
        self.handle.close()
        os.replace(partial_path(self.out), self.out)

    def close(self) -> None:
        if not self.handle.closed:
            self.handle.close()


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
