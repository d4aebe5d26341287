"""A real Label Studio server for the studio tests, started from its own venv (``make studio``).

The server runs ``.venv-studio/bin/label-studio`` on 127.0.0.1 with a free port, a fixed admin
and a fixed 40-character legacy API token, in a temporary data directory (SQLite). A fresh data
directory takes 30-60 s to migrate, so a migrated template is made once under
``runs/studio-template-<version>/`` (git-ignored) and copied per test session (~5-10 s start).
The server is stopped by its process group, so its worker processes go with it.

Usage (see ``tests/test_studio.py``)::

    with StudioServer.start(tmp_dir) as server:
        client = LabelStudio(base_url=server.url, api_key=server.token)
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
STUDIO_BIN = REPO / ".venv-studio" / "bin" / "label-studio"
ADMIN_EMAIL = "admin@toll.test"
ADMIN_PASSWORD = "toll-test-password"
# 40 characters, like a real legacy token; tests also check it never appears in any output.
API_TOKEN = "5f0c1ab27de94e3b8a6c0d1e2f3a4b5c6d7e8f90"
START_TIMEOUT_S = 180.0
INIT_TIMEOUT_S = 600.0


def missing_reason() -> str | None:
    """Why the server cannot run here (for ``pytest.skip``), or None."""
    if not STUDIO_BIN.exists():
        return f"{STUDIO_BIN.relative_to(REPO)} is missing: run `make studio` to install Label Studio"
    return None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _studio_version() -> str:
    found = sorted(STUDIO_BIN.parent.parent.glob("lib/python*/site-packages/label_studio-*.dist-info"))
    return found[0].name.removeprefix("label_studio-").removesuffix(".dist-info") if found else "unknown"


def _environment(data_dir: Path) -> dict[str, str]:
    """A clean environment: none of ours (LABEL_STUDIO_*, bare HOST/PORT/USERNAME/PASSWORD) leaks in."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("LABEL_STUDIO_", "DJANGO_")) and k not in ("HOST", "PORT", "USERNAME", "PASSWORD")}
    env.update({
        "LABEL_STUDIO_BASE_DATA_DIR": str(data_dir),
        "LABEL_STUDIO_USERNAME": ADMIN_EMAIL,
        "LABEL_STUDIO_PASSWORD": ADMIN_PASSWORD,
        "LABEL_STUDIO_USER_TOKEN": API_TOKEN,
        "LABEL_STUDIO_ENABLE_LEGACY_API_TOKEN": "true",
        "LABEL_STUDIO_LATEST_VERSION_CHECK": "false",
        "LABEL_STUDIO_DISABLE_SIGNUP_WITHOUT_LINK": "true",
        # the ML backend under test listens on 127.0.0.1, which Label Studio refuses by default
        "ML_BLOCK_LOCAL_IP": "false",
        "SSRF_PROTECTION_ENABLED": "false",
        "DJANGO_DB": "sqlite",
    })
    return env


def template_dir() -> Path:
    """The migrated data directory, made once per Label Studio version (under a file lock)."""
    runs = REPO / "runs"
    runs.mkdir(exist_ok=True)
    template = runs / f"studio-template-{_studio_version()}"
    with open(runs / ".studio-template.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if (template / "label_studio.sqlite3").exists():
            return template
        building = Path(tempfile.mkdtemp(prefix=".studio-template-", dir=runs))
        log = building.parent / f"{template.name}.init.log"
        with open(log, "w") as out:
            done = subprocess.run([str(STUDIO_BIN), "init", "--no-browser", "--data-dir", str(building)],
                                  env=_environment(building), stdout=out, stderr=subprocess.STDOUT,
                                  cwd=building, timeout=INIT_TIMEOUT_S, start_new_session=True)
        if done.returncode != 0:
            shutil.rmtree(building, ignore_errors=True)
            raise RuntimeError(f"label-studio init failed ({done.returncode}); see {log}")
        building.rename(template)
        return template


def _wait_healthy(url: str, proc: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"label-studio exited with {proc.returncode}:\n{log.read_text()[-3000:]}")
        with contextlib.suppress(OSError, urllib.error.URLError):
            with urllib.request.urlopen(f"{url}/health", timeout=2) as response:
                if response.status == 200:
                    return
        time.sleep(0.5)
    raise RuntimeError(f"label-studio did not answer /health within {START_TIMEOUT_S:.0f} s:\n"
                       f"{log.read_text()[-3000:]}")


def stop_process_group(proc: subprocess.Popen, grace_s: float = 10.0) -> None:
    """SIGTERM the process group, then SIGKILL what is left after ``grace_s``."""
    if proc.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=grace_s)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=grace_s)


@dataclass
class StudioServer:
    url: str
    token: str
    data_dir: Path
    log: Path
    process: subprocess.Popen

    @classmethod
    @contextlib.contextmanager
    def start(cls, workdir: Path):
        """Copy the template into ``workdir``, start the server, yield it, stop it."""
        data_dir = workdir / "label-studio-data"
        shutil.copytree(template_dir(), data_dir)
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        log = workdir / "label-studio.log"
        with open(log, "w") as out:
            proc = subprocess.Popen(
                [str(STUDIO_BIN), "start", "--no-browser", "--internal-host", "127.0.0.1", "--port", str(port),
                 "--data-dir", str(data_dir)],
                env=_environment(data_dir), stdout=out, stderr=subprocess.STDOUT, cwd=workdir,
                start_new_session=True,
            )
        try:
            _wait_healthy(url, proc, log)
            yield cls(url, API_TOKEN, data_dir, log, proc)
        finally:
            stop_process_group(proc)
