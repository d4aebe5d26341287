"""Errors that name where bad input came from, so a command can print them without a traceback."""

from __future__ import annotations


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
