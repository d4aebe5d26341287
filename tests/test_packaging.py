"""One import name, ``toll``: pyproject's package list matches the folders, and the built wheel works alone.

The fast tests read ``pyproject.toml`` against the tree: every folder of ``models/``, ``training/`` and
``eval/`` with an ``__init__.py`` is listed as ``toll.<dotted path>`` (a folder left out would silently be
missing from the wheel), every listed package exists, and ``configs/`` holds YAML only (it is packaged as
data, ``*.yaml``, so anything else there would be left out of an install).

The slow test is issue 15's done-when: ``pip wheel .``, install that wheel in a fresh venv with no checkout
on its path, and ``toll-predict --model DIR`` runs on a saved model while ``import models`` fails.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
# the folders the distribution maps onto toll.<name> that hold Python code
CODE_FOLDERS = ("models", "training", "eval")


def _pyproject() -> dict:
    return tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))


def _setuptools() -> dict:
    return _pyproject()["tool"]["setuptools"]


def _folder_of(package: str, package_dir: dict[str, str]) -> Path:
    """The source folder of a dotted package name under pyproject's ``package-dir`` mapping."""
    for prefix in sorted(package_dir, key=len, reverse=True):
        if package == prefix or package.startswith(prefix + "."):
            rest = package[len(prefix):].lstrip(".")
            return REPO / package_dir[prefix] / Path(*rest.split(".")) if rest else REPO / package_dir[prefix]
    raise AssertionError(f"{package}: no package-dir entry maps it to a folder")


def _walk_dirs(root: Path):
    for path in sorted(root.rglob("*")):
        if path.is_dir() and "__pycache__" not in path.parts:
            yield path


# --- fast -----------------------------------------------------------------------------------------


def test_package_dir_maps_each_top_folder_under_toll():
    package_dir = _setuptools()["package-dir"]
    assert package_dir == {f"toll.{name}": name for name in (*CODE_FOLDERS, "configs")}
    assert not (REPO / "toll").exists(), "a ./toll folder would shadow the mapped namespace in a checkout"
    assert "toll" not in _setuptools()["packages"], "toll is a namespace package: no toll/__init__.py"


def test_every_package_folder_is_listed_in_pyproject():
    listed = set(_setuptools()["packages"])
    expected = set()
    for top in CODE_FOLDERS:
        for folder in [REPO / top, *_walk_dirs(REPO / top)]:
            if (folder / "__init__.py").is_file():
                expected.add("toll." + ".".join(folder.relative_to(REPO).parts))
    missing = sorted(expected - listed)
    assert not missing, f"package folders not in pyproject's [tool.setuptools] packages (left out of the wheel): {missing}"


def test_every_folder_with_python_code_is_a_package():
    """A folder of .py files without __init__.py is not picked up by the explicit package list."""
    for top in CODE_FOLDERS:
        for folder in [REPO / top, *_walk_dirs(REPO / top)]:
            if any(folder.glob("*.py")):
                assert (folder / "__init__.py").is_file(), f"{folder.relative_to(REPO)}: .py files but no __init__.py"


def test_every_listed_package_exists():
    setuptools = _setuptools()
    for package in setuptools["packages"]:
        assert package.startswith("toll."), package
        folder = _folder_of(package, setuptools["package-dir"])
        assert folder.is_dir(), f"{package}: listed in pyproject but {folder.relative_to(REPO)} does not exist"
        if not package.startswith("toll.configs"):
            assert (folder / "__init__.py").is_file(), f"{package}: {folder.relative_to(REPO)} has no __init__.py"


def test_configs_holds_yaml_only_and_all_of_it_is_packaged():
    setuptools = _setuptools()
    configs = REPO / "configs"
    others = [p.relative_to(REPO).as_posix() for p in configs.rglob("*")
              if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".yaml"]
    assert not others, f"configs/ is packaged as YAML data only; these would be left out of the wheel: {others}"
    for folder in [configs, *_walk_dirs(configs)]:
        if any(folder.glob("*.yaml")):
            package = "toll." + ".".join(folder.relative_to(REPO).parts)
            assert package in setuptools["packages"], f"{folder.relative_to(REPO)}: YAML here but {package} not listed"
            assert "*.yaml" in setuptools.get("package-data", {}).get(package, []), \
                f"{package}: no package-data entry for *.yaml"


def test_console_scripts_point_at_packaged_modules():
    setuptools = _setuptools()
    for name, target in _pyproject()["project"]["scripts"].items():
        module, _, func = target.partition(":")
        package, _, leaf = module.rpartition(".")
        assert package in setuptools["packages"], f"{name}: {package} is not a listed package"
        source = _folder_of(package, setuptools["package-dir"]) / f"{leaf}.py"
        assert source.is_file(), f"{name}: {source.relative_to(REPO)} does not exist"
        assert f"def {func}(" in source.read_text(encoding="utf-8"), f"{name}: {module} has no {func}()"


def test_build_backend_is_new_enough_for_the_license_expression():
    """``license = "Apache-2.0"`` (an SPDX string, PEP 639) is rejected by setuptools before 77."""
    from packaging.requirements import Requirement

    data = _pyproject()
    if not isinstance(data["project"].get("license"), str):
        pytest.skip("license is not a PEP 639 expression")
    [req] = [Requirement(r) for r in data["build-system"]["requires"] if Requirement(r).name == "setuptools"]
    lows = [s.version for s in req.specifier if s.operator in (">=", "==", "~=")]
    assert lows, f"build-system requires {req} has no lower bound"
    assert max(int(v.split(".")[0]) for v in lows) >= 77, f"build-system requires {req}; PEP 639 needs setuptools>=77"


# --- slow: the wheel, installed alone ------------------------------------------------------------


def _run(argv, **kw) -> subprocess.CompletedProcess:
    proc = subprocess.run([str(a) for a in argv], capture_output=True, text=True, **kw)
    return proc


def _ok(proc: subprocess.CompletedProcess) -> subprocess.CompletedProcess:
    assert proc.returncode == 0, f"{proc.args} exited {proc.returncode}\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
    return proc


def _source_copy(dest: Path) -> Path:
    """What a fresh clone would hold (tracked plus untracked, not ignored), so the build leaves no
    build/ or egg-info behind in the checkout and cannot pick up ignored files."""
    files = _ok(_run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=REPO)).stdout
    for rel in filter(None, files.split("\0")):
        src = REPO / rel
        if src.is_file():
            (dest / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest / rel)
    return dest


def _deps_only_dir(dest: Path) -> Path:
    """The project venv's installed packages, without the project: links to every entry of its
    site-packages except toll's own (its dist-info and the editable finder) and the .pth files."""
    site = Path(_ok(_run([sys.executable, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"])).stdout.strip())
    dest.mkdir()
    for entry in site.iterdir():
        name = entry.name
        if name.endswith(".pth") or "editable" in name.lower() or name.lower().startswith(("toll-", "toll.")) \
                or name == "toll":
            continue
        (dest / name).symlink_to(entry, target_is_directory=entry.is_dir())
    return dest


def _clean_env(venv: Path) -> dict:
    env = {k: v for k, v in os.environ.items()
           if k not in ("PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP", "VIRTUAL_ENV", "PYTHONSAFEPATH")}
    env["PATH"] = os.pathsep.join([str(venv / "bin"), "/usr/bin", "/bin"])
    env["VIRTUAL_ENV"] = str(venv)
    env.setdefault("HF_HUB_OFFLINE", "1")
    env.setdefault("TOKENIZERS_PARALLELISM", "false")
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    return env


@pytest.mark.slow
def test_wheel_installs_alone_and_predicts(smoke_model, tmp_path):
    if shutil.which("git") is None:
        pytest.skip("git is needed to copy the checkout's files")
    version = _pyproject()["project"]["version"]

    # 1. pip wheel . (from a copy of the checkout; the project venv's setuptools, no network)
    src = _source_copy(tmp_path / "src")
    wheels = tmp_path / "wheels"
    _ok(_run([sys.executable, "-m", "pip", "wheel", src, "--no-deps", "--no-build-isolation", "-q", "-w", wheels]))
    [wheel] = list(wheels.glob("toll-*.whl"))

    # 2. only toll/ and the dist-info at the top of the wheel, with the schema and mappings inside
    with zipfile.ZipFile(wheel) as zf:
        names = zf.namelist()
    tops = {n.split("/", 1)[0] for n in names}
    assert tops == {"toll", f"toll-{version}.dist-info"}, f"top-level entries of {wheel.name}: {sorted(tops)}"
    assert "toll/__init__.py" not in names, "toll is a namespace package"
    for needed in ["toll/configs/schema.yaml", "toll/models/common/paths.py",
                   "toll/models/inference/cli.py", "toll/models/inference/pipeline.py",
                   *(f"toll/configs/mappings/{p.name}" for p in (REPO / "configs" / "mappings").glob("*.yaml"))]:
        assert needed in names, f"{wheel.name} lacks {needed}"
    entry_points = zipfile.ZipFile(wheel).read(f"toll-{version}.dist-info/entry_points.txt").decode()
    assert "toll-predict = toll.models.inference.cli:main" in entry_points

    # 3. a fresh venv that sees the project's dependencies but not the project
    venv = tmp_path / "venv"
    _ok(_run([sys.executable, "-m", "venv", "--without-pip", venv]))
    python = venv / "bin" / "python"
    env = _clean_env(venv)
    work = tmp_path / "elsewhere"  # not the checkout: nothing of it on sys.path through the cwd
    work.mkdir()
    fresh_site = Path(_ok(_run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                               env=env, cwd=work)).stdout.strip())
    (fresh_site / "_toll_test_deps.pth").write_text(f"{_deps_only_dir(tmp_path / 'deps')}\n")

    def py(code: str) -> subprocess.CompletedProcess:
        return _run([python, "-c", code], env=env, cwd=work)

    path = _ok(py("import sys; print('\\n'.join(sys.path))")).stdout.splitlines()
    checkout = {REPO, *(REPO / name for name in (*CODE_FOLDERS, "configs"))}
    assert not checkout & {Path(p).resolve() for p in path if p}, f"the checkout is on the fresh venv's sys.path: {path}"
    _ok(py("import torch, transformers, yaml"))  # the dependencies are there
    before = py("import toll.models")
    assert before.returncode != 0 and "No module named 'toll" in before.stderr, \
        f"toll importable before the wheel is installed:\n{before.stdout}{before.stderr}"

    # 4. install the wheel alone (pip from the project venv, acting on the fresh one)
    _ok(_run([sys.executable, "-m", "pip", "--python", python, "install", "--no-deps", "-q", wheel], env=env, cwd=work))

    # 5. one import name: toll works, the old top-level names do not exist
    for old in ("models", "training", "eval", "configs"):
        proc = py(f"import {old}")
        assert proc.returncode != 0 and f"No module named '{old}'" in proc.stderr, \
            f"`import {old}` in the fresh venv: {proc.returncode}\n{proc.stderr[-2000:]}"
    where = _ok(py("import toll.models.inference.pipeline as p, toll.models.common.paths as c; "
                   "print(p.__file__); print(c.CONFIGS_DIR); print((c.CONFIGS_DIR / 'schema.yaml').is_file())"))
    pipeline_file, configs_dir, schema_there = where.stdout.split()
    assert Path(pipeline_file).is_relative_to(fresh_site / "toll"), pipeline_file
    assert Path(configs_dir) == fresh_site / "toll" / "configs" and schema_there == "True", where.stdout
    _ok(py("from toll.models.text.schema import Schema; Schema.load(); "
           "from toll.training.corpus.readers.mapping import default_mapping; default_mapping('re3d')"))

    # 6. toll-predict from the fresh venv's bin on a saved model, with an audit hook (a .pth in the fresh
    # venv) logging every file or folder of the checkout it touches outside .venv: there must be none
    touched = tmp_path / "touched.log"
    (fresh_site / "_toll_test_audit.py").write_text(AUDIT_HOOK, encoding="utf-8")
    (fresh_site / "_toll_test_audit.pth").write_text("import _toll_test_audit\n", encoding="utf-8")
    text = work / "article.txt"
    text.write_text("Gunmen killed two guards in Kano on Friday, police said.\n", encoding="utf-8")
    out = work / "pred.jsonl"
    audit_env = {**env, "TOLL_TEST_AUDIT_LOG": str(touched), "TOLL_TEST_AUDIT_ROOT": str(REPO)}
    _ok(_run([venv / "bin" / "toll-predict", text, "--model", smoke_model, "--out", out, "--no-progress"],
             env=audit_env, cwd=work))
    records = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [r["id"] for r in records] == ["article"], records
    assert {"id", "entities", "relations", "casualties"} <= set(records[0])
    assert touched.is_file(), "the audit hook did not run"
    hits = sorted(set(touched.read_text(encoding="utf-8").splitlines()) - {"started"})
    assert not hits, f"the installed toll-predict read the checkout: {hits[:20]}"


# Installed in the fresh venv by a .pth: appends to $TOLL_TEST_AUDIT_LOG every path under
# $TOLL_TEST_AUDIT_ROOT (but not its .venv, where the dependencies live) that is opened or listed.
AUDIT_HOOK = """\
import os, sys

_log, _root = os.environ.get("TOLL_TEST_AUDIT_LOG"), os.environ.get("TOLL_TEST_AUDIT_ROOT")
if _log and _root:
    _root = _root.rstrip("/") + "/"
    _venv = _root + ".venv/"
    _busy = []

    def _write(line):
        _busy.append(1)
        try:
            with open(_log, "a", encoding="utf-8") as f:
                f.write(line + "\\n")
        finally:
            _busy.pop()

    def _hook(event, args):
        if _busy or event not in ("open", "os.listdir", "os.scandir") or not args:
            return
        path = args[0]
        if isinstance(path, int) or path is None:
            return
        try:
            path = os.path.abspath(os.fsdecode(path))
        except Exception:
            return
        if (path + "/").startswith(_root) and not path.startswith(_venv):
            _write(path)

    _write("started")
    sys.addaudithook(_hook)
"""
