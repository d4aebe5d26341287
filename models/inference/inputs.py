"""Read articles for prediction from files, folders, JSONL, CSV or standard input.

Every reader yields :class:`~toll.models.text.document.Document` objects with ids, streaming, and counts
what it skipped or repaired in an :class:`InputReport`. Bad input raises a
:class:`~toll.models.common.errors.TollError` that names the file and line, unless ``skip_bad`` is set.

>>> import io
>>> report = InputReport()
>>> docs = list(read_jsonl_stream(io.StringIO('{"id": "a", "text": "Two died."}\\n\\n'), "<stdin>", report))
>>> [(d.id, d.text) for d in docs], report.documents
([('a', 'Two died.')], 1)
"""

from __future__ import annotations

import csv
import json
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator, TextIO

from toll.models.text.document import Document
from toll.models.common.errors import TollError

csv.field_size_limit(min(sys.maxsize, 2**31 - 1))
_SURROGATE = re.compile("[\ud800-\udfff]")


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


def _clean_line(line: str, where: str, options: InputOptions, report: InputReport) -> str:
    """A line read with ``surrogateescape``: undecodable bytes replaced (and counted) as the whole-file
    decoding does, or refused naming the line. Decoding per line, not per 8 KB chunk, is what lets
    the error name the right line."""
    if not _SURROGATE.search(line):
        return line
    if options.encoding_errors == "strict":
        raise TollError(f"{where}: not valid UTF-8 (use --encoding-errors replace to decode with replacement)")
    clean = line.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    report.replaced_characters += clean.count("\ufffd") - line.count("\ufffd")
    return clean


def _valid_unicode(value: str, options: InputOptions, report: InputReport) -> str:
    """A string from JSON may hold a lone surrogate (``"\\ud800"``), which no UTF-8 writer or
    tokenizer accepts: replaced by U+FFFD and counted, or refused (ValueError) when strict."""
    found = len(_SURROGATE.findall(value))
    if not found:
        return value
    if options.encoding_errors == "strict":
        raise ValueError("a lone surrogate escape (e.g. \\ud800) is not valid Unicode")
    report.replaced_characters += found
    return _SURROGATE.sub("\ufffd", value)


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
        line = _clean_line(line, f"{name}: line {lineno}", options, report)
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
            text, doc_id = _valid_unicode(text, options, report), _valid_unicode(str(doc_id), options, report)
        except (ValueError, RecursionError) as exc:  # json's parser recurses once per [ or {
            reason = "JSON nested too deeply" if isinstance(exc, RecursionError) else exc
            message = f"{name}: line {lineno}: {reason}"
            if options.skip_bad:
                report.skipped.append(message)
                continue
            raise TollError(message + " (pass --skip-bad to skip bad lines)") from None
        report.documents += 1
        yield Document(doc_id, text, meta={"line": lineno})


def read_csv_stream(handle: TextIO, name: str, report: InputReport, options: InputOptions) -> Iterator[Document]:
    # strict: an unclosed quote is an error naming the line, not every later row swallowed into one text
    reader = csv.reader(handle, strict=True)
    try:
        columns = [_clean_line(c, f"{name}: line 1", options, report) for c in next(reader, [])]
        if options.text_column not in columns:
            raise TollError(f"{name}: no column {options.text_column!r} (columns: {', '.join(columns) or 'none'}); "
                            "choose one with --text-column")
        rowno = 1
        for cells in reader:
            if not cells:  # a blank line (csv.DictReader skips them too)
                continue
            rowno += 1
            row = dict(zip(columns, (_clean_line(c, f"{name}: line {reader.line_num}", options, report)
                                     for c in cells)))
            doc_id = row.get(options.id_column) or f"row-{rowno}"
            report.documents += 1
            yield Document(doc_id, row.get(options.text_column) or "", meta={"line": rowno})
    except csv.Error as exc:
        raise TollError(f"{name}: line {reader.line_num}: {exc}") from None


def _open_text(path: Path, options: InputOptions) -> TextIO:
    # surrogateescape: undecodable bytes reach the readers, which replace or refuse them line by line
    return path.open(encoding="utf-8-sig", errors="surrogateescape", newline="")


def read_inputs(sources: list[str], options: InputOptions, report: InputReport) -> Iterator[Document]:
    """Documents from each source: ``-`` (stdin text, or JSONL when it starts with ``{``), a
    ``.jsonl``/``.csv`` file, a ``.txt`` file, or a folder of ``.txt`` files (sorted, recursive).
    Documents longer than ``options.max_chars`` are skipped and reported."""
    for source in sources:
        name = "<stdin>" if source == "-" else source
        for doc in _read_all([source], options, report):
            if len(doc.text) > options.max_chars:
                report.documents -= 1
                where = doc.meta.get("path") or (f"{name}: line {doc.meta['line']} ({doc.id})" if "line" in doc.meta
                                                 else name)
                report.skipped.append(f"{where}: {len(doc.text):,} characters, over the "
                                      f"--max-chars limit of {options.max_chars:,}")
                continue
            yield doc


def _read_all(sources: list[str], options: InputOptions, report: InputReport) -> Iterator[Document]:
    for source in sources:
        if source == "-":
            data = sys.stdin.buffer.read()
            text = _decode(data, "<stdin>", options, report)
            if text is None:  # binary, skipped and counted by _decode
                continue
            if text.lstrip().startswith("{"):
                import io

                yield from read_jsonl_stream(io.StringIO(text, newline=""), "<stdin>", report, options)
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
        elif path.suffix in (".jsonl", ".csv"):
            read = read_jsonl_stream if path.suffix == ".jsonl" else read_csv_stream
            try:
                handle = _open_text(path, options)
            except OSError as exc:
                raise TollError(f"{path}: cannot read ({exc.strerror})") from None
            with handle:
                yield from read(handle, str(path), report, options)
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
