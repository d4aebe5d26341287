"""Label Studio export files -> :class:`~toll.models.text.document.Document`: what is unreadable says why.

The corpus on disk is one export file per article (:mod:`toll.models.text.studio_format` reads
each task); a file that is not UTF-8, not JSON or not a list of tasks raises :class:`CorpusError`
naming the file.

>>> import tempfile
>>> from pathlib import Path
>>> with tempfile.TemporaryDirectory() as tmp:
...     path = Path(tmp) / "brief-1.json"
...     _ = path.write_text('[{"id": 1, "data": {"text": "Two died.", "article_id": "brief-1"}}]')
...     [(d.id, d.text) for d in read_documents(path)]
[('brief-1', 'Two died.')]
>>> with tempfile.TemporaryDirectory() as tmp:
...     path = Path(tmp) / "cut.json"
...     _ = path.write_text('[{"id": 1, "data": ')
...     load_tasks(path)
Traceback (most recent call last):
...
toll.models.common.errors.CorpusError: .../cut.json: not valid JSON (line 1, column 20: Expecting value); is the export truncated?
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from toll.models.common.errors import CorpusError
from toll.models.text.document import Document
from toll.models.text.studio_format import task_to_document
from toll.models.text.validation import Problem


def load_tasks(path: str | Path) -> list[dict[str, Any]]:
    """Read a Label Studio JSON export (a list of tasks, or one task object)."""
    path = Path(path)
    try:
        raw = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise CorpusError(f"{path}: not UTF-8 ({exc})") from None
    except OSError as exc:
        raise CorpusError(f"{path}: cannot read ({exc.strerror})") from None
    try:
        tasks = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise CorpusError(f"{path}: not valid JSON (line {exc.lineno}, column {exc.colno}: "
                          f"{exc.msg}); is the export truncated?") from None
    except (ValueError, RecursionError) as exc:  # an integer over 4300 digits; nesting too deep
        reason = "nested too deeply" if isinstance(exc, RecursionError) else exc
        raise CorpusError(f"{path}: not valid JSON ({reason})") from None
    if isinstance(tasks, dict):
        tasks = [tasks]
    if not isinstance(tasks, list):
        raise CorpusError(f"{path}: expected a list of Label Studio tasks")
    return tasks


def read_documents(
    path: str | Path, problems: list[Problem] | None = None, *, use_predictions: bool = False
) -> list[Document]:
    """All documents of one export file (see :func:`~toll.models.text.studio_format.task_to_document`
    for ``problems``)."""
    tasks = load_tasks(path)
    for i, task in enumerate(tasks):
        if not isinstance(task, dict):
            raise CorpusError(f"{path}: item {i + 1} of {len(tasks)} is {type(task).__name__}, not a task object")
    return [task_to_document(t, str(path), problems, use_predictions=use_predictions) for t in tasks]
