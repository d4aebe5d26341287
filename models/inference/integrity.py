"""Integrity of a model directory: its manifest (size and SHA-256 of every file a prediction depends
on) and whole-file checks of the JSON and safetensors files the loaders read.

``manifest.json`` lists every file except itself, the files that change without changing a
prediction or are checked on their own (the model card, ``metrics.json``, which ``toll-eval``
rewrites, and ``thresholds.json``, a hand-tunable pair of numbers validated on load), the
``onnx/`` folder and hidden files (``.README.md.*.tmp`` while ``toll-eval`` writes). Loading
checks it (:func:`toll.models.inference.model_dir.check_model_dir`): a missing, added, truncated or
altered file is refused by name. Hashing the two ~90 MB weight files took 0.12-0.26 s on the
project's machine (0.7-1.5 GB/s, idle to busy; a CPU without SHA instructions is slower), and
hashing the ONNX exports a backend loads as much again, out of 5-6 s for a one-article
``toll-predict`` run; so every load checks every hash, and nothing is cached across processes (a
stamp file would need a writable model directory and trust mtimes). Within a process a digest is
remembered while the file's size, mtime and inode stay the same (:func:`file_sha256`), so the ONNX
staleness check right after does not hash the weights again.

>>> import tempfile
>>> d = Path(tempfile.mkdtemp())
>>> _ = (d / "labels.json").write_text("{}")
>>> write_manifest(d)["files"]["labels.json"]["size"]
2
>>> _ = (d / "labels.json").write_text('{"tags": []}')
>>> manifest_problems(d)
['labels.json has 12 bytes, manifest.json says 2 (truncated or altered)']
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

from toll.models.common.atomic import atomic_write_text
from toll.models.common.errors import ModelDirError

MANIFEST = "manifest.json"
MANIFEST_FORMAT = "toll-model-manifest/1"
UNLISTED = (MANIFEST, "README.md", "metrics.json", "thresholds.json")  # top-level files left out
UNLISTED_FOLDERS = ("onnx",)
FIX = "re-copy the model directory from where it was trained, or retrain it (toll-train CONFIG)"


# -- the manifest -------------------------------------------------------------------------------
def listed_files(directory: Path) -> list[str]:
    """The files ``manifest.json`` covers, as sorted relative POSIX paths (see the module docstring)."""
    names = []
    for path in directory.rglob("*"):
        relative = path.relative_to(directory)
        if not path.is_file() or any(part.startswith(".") for part in relative.parts):
            continue
        if relative.parts[0] in UNLISTED_FOLDERS or str(relative) in UNLISTED:
            continue
        names.append(relative.as_posix())
    return sorted(names)


def write_manifest(directory: str | Path) -> dict:
    """Write ``manifest.json`` (size and SHA-256 of every listed file) and return it."""
    directory = Path(directory)
    files = {name: {"size": (directory / name).stat().st_size, "sha256": file_sha256(directory / name)}
             for name in listed_files(directory)}
    manifest = {"format": MANIFEST_FORMAT, "files": files}
    atomic_write_text(directory / MANIFEST, json.dumps(manifest, indent=1) + "\n")
    return manifest


def read_model_manifest(directory: Path) -> dict[str, dict] | None:
    """The ``files`` of ``manifest.json``; None when there is none (a directory from before manifests)."""
    path = directory / MANIFEST
    if not path.exists():
        return None
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
        files = manifest["files"]
        if manifest.get("format") != MANIFEST_FORMAT or not all(
                isinstance(v.get("size"), int) and isinstance(v.get("sha256"), str) for v in files.values()):
            raise ValueError(f"not a {MANIFEST_FORMAT} manifest")
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise ModelDirError(f"{path}: unreadable ({exc}); {FIX}") from None
    return files


def manifest_problems(directory: Path) -> list[str]:
    """What differs between the directory and its manifest, one phrase per file naming it: missing
    and added files and sizes first; only when those agree, contents (SHA-256)."""
    listed = read_model_manifest(directory) or {}
    present = listed_files(directory)
    problems = [f"{name} is missing" for name in sorted(listed.keys() - set(present))]
    problems += [f"{name} is not in {MANIFEST} (added after training)" for name in present if name not in listed]
    for name in present:
        size = (directory / name).stat().st_size
        if name in listed and size != listed[name]["size"]:
            problems.append(f"{name} has {size:,} bytes, {MANIFEST} says {listed[name]['size']:,} "
                            "(truncated or altered)")
    if problems:
        return problems
    return [f"{name} differs from what was trained (SHA-256 does not match {MANIFEST})"
            for name in present if file_sha256(directory / name) != listed[name]["sha256"]]


_WARNED: set[Path] = set()


def verify_manifest(directory: Path) -> None:
    """Refuse a directory that differs from its manifest; warn once (per process) where there is none."""
    if not (directory / MANIFEST).exists():
        if directory.resolve() not in _WARNED:
            _WARNED.add(directory.resolve())
            print(f"warning: {directory}: no {MANIFEST} (saved before toll wrote manifests); its files are "
                  "not checked for damage: retrain to get one", file=sys.stderr)
        return
    problems = manifest_problems(directory)
    if problems:
        raise ModelDirError(f"{directory}: damaged model directory: {'; '.join(problems)}; {FIX}")


_DIGESTS: dict[tuple, str] = {}


def file_sha256(path: str | Path) -> str:
    """The file's SHA-256, remembered while its path, size, mtime and inode stay the same (an
    in-place edit changes the mtime; a copy, the inode).

    >>> import tempfile
    >>> p = Path(tempfile.mkdtemp()) / "w"
    >>> _ = p.write_bytes(b"weights")
    >>> file_sha256(p)[:12]
    '9a129038d9a0'
    """
    path = Path(path)
    stat = path.stat()
    key = (str(path.resolve()), stat.st_size, stat.st_mtime_ns, stat.st_ino)
    if key not in _DIGESTS:
        digest = hashlib.sha256()
        with path.open("rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
        _DIGESTS[key] = digest.hexdigest()
    return _DIGESTS[key]


# -- files the loaders read ---------------------------------------------------------------------
def loaded_files(directory: Path) -> list[Path]:
    """The JSON and safetensors files that loading a model reads."""
    return sorted(p for folder in ("tagger", "relation") for p in (directory / folder).iterdir()
                  if p.suffix in (".json", ".safetensors") and not p.name.startswith("."))


def file_problem(path: Path) -> str | None:
    """Why a JSON or safetensors file cannot be loaded, naming it; None when it is whole.

    >>> import tempfile
    >>> p = Path(tempfile.mkdtemp()) / "config.json"
    >>> _ = p.write_text('{"id2label": {"0": "O"')
    >>> print(file_problem(p).split(": ", 1)[1])
    not valid JSON (Expecting ',' delimiter: line 1 column 23 (char 22))
    """
    if path.suffix == ".safetensors":
        return safetensors_problem(path)
    try:
        json.loads(path.read_bytes().decode("utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        return f"{path}: not valid JSON ({exc})"
    return None


def safetensors_problem(path: Path) -> str | None:
    """Why a safetensors file is not whole (its header must parse and its tensors end where the
    file does), naming it; None when it is whole.

    >>> import tempfile
    >>> header = json.dumps({"w": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}}).encode()
    >>> p = Path(tempfile.mkdtemp()) / "model.safetensors"
    >>> _ = p.write_bytes(len(header).to_bytes(8, "little") + header + bytes(8))
    >>> safetensors_problem(p) is None
    True
    >>> _ = p.write_bytes(p.read_bytes()[:-3])
    >>> safetensors_problem(p).split(": ", 1)[1]
    'truncated or damaged safetensors file (5 bytes of tensor data, the header describes 8)'
    """
    size = path.stat().st_size
    with path.open("rb") as handle:
        length = int.from_bytes(handle.read(8), "little")
        if size < 8 or length > size - 8:
            return f"{path}: truncated or damaged safetensors file (no complete header)"
        try:
            header = json.loads(handle.read(length).decode("utf-8"))
            end = max((t["data_offsets"][1] for k, t in header.items() if k != "__metadata__"), default=0)
        except (ValueError, UnicodeDecodeError, KeyError, TypeError, IndexError, AttributeError):
            return f"{path}: truncated or damaged safetensors file (unreadable header)"
    data = size - 8 - length
    if end != data:
        return (f"{path}: truncated or damaged safetensors file ({data:,} bytes of tensor data, "
                f"the header describes {end:,})")
    return None
