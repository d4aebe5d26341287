"""No tracked file holds a sentence of a text that may never be committed: MUC-4, PolNeAR, BBC Online.

Their annotations are standoff (offsets and a hash); the text is read from the datasets folder at run
time. A sentence counts as present when any run of ``SHINGLE`` consecutive words of it (lower-cased,
punctuation dropped) appears in a tracked file, so a quoted clause is caught as well as a whole
sentence, whatever its case (MUC-4 is all capitals). Skips with the reason when the datasets are not
on this machine.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from toll.models.common.errors import CorpusError
from toll.training.corpus.readers.locate import dataset_root
from toll.training.corpus.real_sources import re3d_items

ROOT = Path(__file__).resolve().parents[1]
SHINGLE = 12
WORD = re.compile(r"[a-z0-9]+")


def words(text: str) -> list[str]:
    return WORD.findall(text.lower())


def shingles(text: str) -> set[tuple[str, ...]]:
    w = words(text)
    return {tuple(w[i:i + SHINGLE]) for i in range(len(w) - SHINGLE + 1)}


def restricted_texts() -> dict[str, list[str]]:
    texts: dict[str, list[str]] = {}
    try:
        muc = dataset_root("muc4") / "data" / "muc" / "raw_files" / "muc34" / "TASK" / "CORPORA"
        texts["MUC-4"] = [p.read_text(encoding="latin-1") for p in sorted(muc.glob("*/*")) if p.is_file()]
        polnear = dataset_root("polnear") / "data"
        texts["PolNeAR"] = [p.read_text(encoding="utf-8") for p in sorted(polnear.glob("*/text/*.txt"))]
        texts["BBC Online"] = [i.text for i in re3d_items() if i.origin == "re3d/BBC Online"]
    except CorpusError as exc:
        pytest.skip(f"datasets not on this machine: {exc}")
    return texts


def tracked_files() -> list[Path]:
    out = subprocess.run(["git", "ls-files", "-co", "--exclude-standard"], cwd=ROOT, capture_output=True,
                         text=True, check=True)
    return [ROOT / line for line in out.stdout.splitlines() if line]


def test_shingles_ignore_case_and_punctuation():
    written_here = "FOUR GUARDS WERE KILLED, AND TWO DRIVERS WERE HURT WHEN GUNMEN FIRED ON THE CONVOY NEAR THE BRIDGE"
    assert shingles(written_here) & shingles(written_here.lower().replace(",", "") + ".")
    assert not shingles("too short to match")


def test_no_tracked_file_contains_restricted_text():
    index: dict[tuple[str, ...], str] = {}
    for corpus, texts in restricted_texts().items():
        for text in texts:
            for s in shingles(text):
                index.setdefault(s, corpus)
    assert len(index) > 100_000, "the restricted corpora were not read"
    leaks = []
    for path in tracked_files():
        if not path.is_file() or path.suffix in {".safetensors", ".onnx", ".png", ".pt", ".bin"}:
            continue
        try:
            content = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue
        w = words(content)
        for i in range(len(w) - SHINGLE + 1):
            hit = index.get(tuple(w[i:i + SHINGLE]))
            if hit:
                leaks.append(f"{path.relative_to(ROOT)}: {hit} text: {' '.join(w[i:i + SHINGLE])!r}")
                break
    assert not leaks, "restricted text in tracked files (keep it as standoff):\n" + "\n".join(leaks)
