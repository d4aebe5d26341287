"""Replace one ``## Heading`` section of a markdown file, leaving every other section alone.

Each benchmark writes its own section of ``eval/benchmarks/README.md``; reruns replace it in place.

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
"""

from __future__ import annotations

import re
from pathlib import Path

from toll.models.common.atomic import atomic_write_text


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
