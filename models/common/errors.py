"""Errors that name where bad input came from, so a command can print them without a traceback."""

from __future__ import annotations

import sys
from typing import Callable


class TollError(Exception):
    """A problem with user input (a file, a config, a model directory), stated for a person.

    Commands catch it, print ``error: <message>`` and exit with status 2.
    """


class ConfigError(TollError):
    """A config or schema file that does not parse or validate."""


class CorpusError(TollError):
    """An annotated article that cannot be read or does not validate."""


class ModelDirError(TollError):
    """A model directory that is incomplete, inconsistent or unsafe to load."""


def run_command(body: Callable[[], int], interrupted: str = "interrupted",
                redact: Callable[[str], str] = lambda message: message) -> int:
    """Run a command's body the way every toll CLI does: a :class:`TollError` becomes
    ``error: ...`` on stderr and exit status 2, Ctrl-C exit status 130; no tracebacks.

    >>> def body():
    ...     raise ConfigError("run.yaml: tagger.epoch: unknown key")
    >>> run_command(body)
    2
    """
    try:
        return body()
    except TollError as exc:
        print(f"error: {redact(str(exc))}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(interrupted, file=sys.stderr)
        return 130
