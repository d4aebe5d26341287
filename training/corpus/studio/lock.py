"""One push at a time per Label Studio project on this machine: an exclusive file lock.

Two pushes of the same articles that both read the project before either has created its tasks
would both create them. :func:`project_lock` is held from reading the project until the last task
is created, so a second push waits, then finds the first one's tasks. The lock file lives in the
system's temporary folder, named by a hash of the server URL and the project id (no secrets); the
operating system releases the lock when the process ends, even on a crash. Pushes from other
machines are guarded by a look-up by article id right before each import (see
:func:`toll.training.corpus.studio.push.push_plan`).

>>> from toll.training.corpus.studio.projects import ProjectRef
>>> lock_path("http://127.0.0.1:8080", ProjectRef(3, "toll")).name
'toll-studio-push-501729b1c205a1ca.lock'
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import sys
import tempfile
from pathlib import Path
from typing import Iterator

from toll.training.corpus.studio.projects import ProjectRef


LOCK_DIR: Path | None = None  # None: the system's temporary folder (tests point it elsewhere)


def lock_path(display_url: str, project: ProjectRef) -> Path:
    """The lock file for one project of one server."""
    key = hashlib.sha256(f"{display_url}\0{project.id}".encode()).hexdigest()[:16]
    return Path(LOCK_DIR or tempfile.gettempdir()) / f"toll-studio-push-{key}.lock"


def report_wait(project: ProjectRef, path: Path) -> None:
    """Say why the push does not start yet."""
    print(f"waiting for another toll-studio push to {project} to finish (lock {path})", file=sys.stderr,
          flush=True)


def _open(path: Path) -> int:
    try:
        return os.open(path, os.O_RDWR | os.O_CREAT, 0o666)
    except PermissionError:  # another user's lock file in a shared /tmp: locking needs no write access
        return os.open(path, os.O_RDONLY)


@contextlib.contextmanager
def project_lock(display_url: str, project: ProjectRef) -> Iterator[Path]:
    """Hold the push lock of ``project``; wait (saying so) while another push holds it."""
    path = lock_path(display_url, project)
    fd = _open(path)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            report_wait(project, path)
            fcntl.flock(fd, fcntl.LOCK_EX)
        yield path
    finally:
        os.close(fd)  # closing releases the lock
