"""Read articles for prediction from files, folders, JSONL, CSV or standard input.

Every reader yields :class:`~models.document.Document` objects with ids, streaming, and counts
what it skipped or repaired in an :class:`InputReport`. Bad input raises a
:class:`~models.errors.TollError` that names the file and line, unless ``skip_bad`` is set.

>>> import io
>>> report = InputReport()
>>> docs = list(read_jsonl_stream(io.StringIO('{"id": "a", "text": "Two died."}\\n\\n'), "<stdin>", report))
>>> [(d.id, d.text) for d in docs], report.documents
([('a', 'Two died.')], 1)
"""

from __future__ import annotations

import csv
import json
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator, TextIO

from models.document import Document
from models.errors import TollError

csv.field_size_limit(min(sys.maxsize, 2**31 - 1))


@dataclass
class InputReport:
    documents: int = 0
    skipped: list[str] = field(default_factory=list)
    replaced_characters: int = 0  # undecodable bytes replaced by U+FFFD

    def summary(self) -> str:
        parts = [f"{self.documents} document(s) read"]
        if self.skipped:
            parts.append(f"{len(self.skipped)} skipped")
        if self.replaced_characters:
            parts.append(f"{self.replaced_characters} undecodable byte(s) replaced")
        return ", ".join(parts)


@dataclass(frozen=True)
class InputOptions:
    text_column: str = "text"
    id_column: str = "id"
    encoding_errors: str = "replace"  # or "strict": refuse files that are not UTF-8
    skip_bad: bool = False
    max_chars: int = 2_000_000  # longer "articles" are scraped junk more often than news: skipped, counted


def _decode(data: bytes, name: str, options: InputOptions, report: InputReport) -> str | None:
    if b"\x00" in data[:8192]:
        message = f"{name}: looks like a binary file (NUL bytes), not text"
        if options.skip_bad:
            report.skipped.append(message)
            return None
        raise TollError(message + "; pass --skip-bad to skip such files")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        if options.encoding_errors == "strict":
            raise TollError(f"{name}: not valid UTF-8 at byte {exc.start} "
                            "(use --encoding-errors replace to decode with replacement)") from None
        text = data.decode("utf-8-sig", errors="replace")
        report.replaced_characters += text.count("\ufffd") - data.count("\ufffd".encode())
        return text


def read_text_file(path: Path, doc_id: str, options: InputOptions, report: InputReport) -> Iterator[Document]:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise TollError(f"{path}: cannot read ({exc.strerror})") from None
    text = _decode(data, str(path), options, report)
    if text is not None:
        report.documents += 1
        yield Document(doc_id, text, meta={"path": str(path)})


def read_jsonl_stream(handle: TextIO, name: str, report: InputReport,
                      options: InputOptions = InputOptions()) -> Iterator[Document]:
    for lineno, line in enumerate(handle, 1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
            if not isinstance(obj, dict):
                raise ValueError("not a JSON object")
            text = obj.get(options.text_column)
            if not isinstance(text, str):
                raise ValueError(f"no string field {options.text_column!r}")
            doc_id = obj.get(options.id_column)
            if doc_id is None:
                raise ValueError(f"no field {options.id_column!r}")
        except ValueError as exc:
            message = f"{name}: line {lineno}: {exc}"
            if options.skip_bad:
                report.skipped.append(message)
                continue
            raise TollError(message + " (pass --skip-bad to skip bad lines)") from None
        report.documents += 1
        yield Document(str(doc_id), text, meta={"line": lineno})


def read_csv_stream(handle: TextIO, name: str, report: InputReport, options: InputOptions) -> Iterator[Document]:
    reader = csv.DictReader(handle)
    columns = reader.fieldnames or []
    if options.text_column not in columns:
        raise TollError(f"{name}: no column {options.text_column!r} (columns: {', '.join(columns) or 'none'}); "
                        "choose one with --text-column")
    for rowno, row in enumerate(reader, 2):
        doc_id = row.get(options.id_column) or f"row-{rowno}"
        report.documents += 1
        yield Document(doc_id, row[options.text_column] or "", meta={"line": rowno})


def _open_text(path: Path, options: InputOptions) -> TextIO:
    return path.open(encoding="utf-8-sig", errors="replace" if options.encoding_errors == "replace" else "strict",
                     newline="")


def read_inputs(sources: list[str], options: InputOptions, report: InputReport) -> Iterator[Document]:
    """Documents from each source: ``-`` (stdin text, or JSONL when it starts with ``{``), a
    ``.jsonl``/``.csv`` file, a ``.txt`` file, or a folder of ``.txt`` files (sorted, recursive).
    Documents longer than ``options.max_chars`` are skipped and reported."""
    for doc in _read_all(sources, options, report):
        if len(doc.text) > options.max_chars:
            report.documents -= 1
            report.skipped.append(f"{doc.meta.get('path', doc.id)}: {len(doc.text):,} characters, over the "
                                  f"--max-chars limit of {options.max_chars:,}")
            continue
        yield doc


def _read_all(sources: list[str], options: InputOptions, report: InputReport) -> Iterator[Document]:
    for source in sources:
        if source == "-":
            data = sys.stdin.buffer.read()
            text = _decode(data, "<stdin>", options, report) or ""
            if text.lstrip().startswith("{"):
                import io

                yield from read_jsonl_stream(io.StringIO(text), "<stdin>", report, options)
            else:
                report.documents += 1
                yield Document("stdin", text)
            continue
        path = Path(source)
        if path.is_dir():
            files = sorted(p for p in path.rglob("*.txt") if p.is_file())
            if not files:
                raise TollError(f"{path}: folder has no .txt files")
            for file in files:
                yield from read_text_file(file, str(file.relative_to(path).with_suffix("")), options, report)
        elif not path.exists():
            raise TollError(f"{path}: no such file or folder")
        elif path.suffix == ".jsonl":
            with _open_text(path, options) as handle:
                yield from read_jsonl_stream(handle, str(path), report, options)
        elif path.suffix == ".csv":
            with _open_text(path, options) as handle:
                yield from read_csv_stream(handle, str(path), report, options)
        else:
            yield from read_text_file(path, path.stem, options, report)


def count_inputs(sources: list[str]) -> int | None:
    """How many documents the sources hold, when that is cheap to know (for the progress bar)."""
    total = 0
    for source in sources:
        path = Path(source)
        if source == "-" or not path.exists():
            return None
        if path.is_dir():
            total += sum(1 for _ in path.rglob("*.txt"))
        elif path.suffix == ".jsonl":
            with path.open("rb") as handle:
                total += sum(1 for line in handle if line.strip())
        elif path.suffix == ".csv":
            return None
        else:
            total += 1
    return total
