"""Rewrite one part of a markdown file written by a command, leaving the rest of the file alone.

Two kinds of part, one per convention the project's files use:

- a ``## Heading`` section, up to the next ``## `` heading (:func:`read_section`,
  :func:`replace_section`): each benchmark writes its own section of ``eval/benchmarks/README.md``;
- a block between ``<!-- name:begin -->`` and ``<!-- name:end -->`` markers (:func:`update_block`):
  ``toll-data stats --update data/README.md`` and the other corpus reports, inside hand-written prose.

>>> import tempfile
>>> path = Path(tempfile.mkdtemp()) / "README.md"
>>> path.write_text("# Benchmarks\\n\\n## Speed\\n\\nold\\n\\n## Other\\n\\nkept\\n")
44
>>> replace_section(path, "Speed", "## Speed\\n\\nnew\\n")
>>> print(path.read_text())
# Benchmarks
<BLANKLINE>
## Speed
<BLANKLINE>
new
<BLANKLINE>
## Other
<BLANKLINE>
kept
<BLANKLINE>
>>> read_section(path, "Other")
'\\nkept\\n'
>>> _ = path.write_text("Counts:\\n<!-- stats:begin -->\\nold\\n<!-- stats:end -->\\nprose\\n")
>>> update_block(path, "stats", "| a | 1 |")
>>> print(path.read_text())
Counts:
<!-- stats:begin -->
| a | 1 |
<!-- stats:end -->
prose
<BLANKLINE>
"""

from __future__ import annotations

import re
from pathlib import Path

from toll.models.common.atomic import atomic_write_text
from toll.models.common.errors import TollError


def _section_pattern(heading: str) -> re.Pattern:
    """``## heading`` up to the next ``## `` heading or the end; group 1 is the body."""
    return re.compile(rf"^## {re.escape(heading)}\n(.*?)(?=^## |\Z)", re.S | re.M)


def read_section(path: str | Path, heading: str) -> str:
    """The body of the ``## heading`` section of ``path`` ("" when the file or section is absent)."""
    path = Path(path)
    match = _section_pattern(heading).search(path.read_text(encoding="utf-8")) if path.exists() else None
    return match.group(1) if match else ""


def replace_section(path: str | Path, heading: str, section: str) -> None:
    """Put ``section`` (which starts with ``## heading``) in place of that section, or append it."""
    path = Path(path)
    text = path.read_text(encoding="utf-8") if path.exists() else "# Benchmarks\n"
    pattern = _section_pattern(heading)
    if pattern.search(text):
        text = pattern.sub(lambda _: section.rstrip() + "\n\n", text, count=1).rstrip() + "\n"
    else:
        text = text.rstrip() + "\n\n" + section.rstrip() + "\n"
    atomic_write_text(path, text)


def update_block(path: Path, name: str, content: str) -> None:
    """Replace the text between ``<!-- name:begin -->`` and ``<!-- name:end -->`` in ``path``; a
    :class:`TollError` when the file has no such block (the markers are placed by hand)."""
    text = path.read_text(encoding="utf-8")
    pattern = re.compile(rf"(<!-- {name}:begin -->\n)(?:.*?\n)?(<!-- {name}:end -->)", re.S)
    if not pattern.search(text):
        raise TollError(f"{path}: no <!-- {name}:begin --> ... <!-- {name}:end --> block")
    atomic_write_text(path, pattern.sub(lambda m: m.group(1) + content.rstrip("\n") + "\n" + m.group(2), text))
