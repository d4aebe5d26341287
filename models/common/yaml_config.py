"""Strict YAML configs: parse a file into a frozen pydantic model, with dotted overrides.

>>> from pydantic import BaseModel, ConfigDict
>>> class Train(BaseModel):
...     model_config = ConfigDict(extra="forbid", frozen=True)
...     epochs: int = 3
...     lr: float = 5e-5
>>> class Run(BaseModel):
...     model_config = ConfigDict(extra="forbid", frozen=True)
...     train: Train = Train()
>>> _ = Run.model_rebuild()  # doctest runs under this module's postponed annotations
>>> parse_config({"train": {"lr": "1e-4"}}, Run, "run.yaml", ["--train.epochs", "5"]).train
Train(epochs=5, lr=0.0001)
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any, Sequence, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from toll.models.common.errors import ConfigError

M = TypeVar("M", bound=BaseModel)


def read_yaml(path: str | Path) -> Any:
    """Read a YAML file, turning I/O and syntax errors into a ConfigError naming the file."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read: {exc}") from None
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML: {exc}") from None


def parse_overrides(argv: Sequence[str]) -> dict[str, Any]:
    """``["--train.epochs", "3", "--seed=7"]`` -> ``{"train.epochs": 3, "seed": 7}`` (values as YAML)."""
    overrides: dict[str, Any] = {}
    items = list(argv)
    i = 0
    while i < len(items):
        arg = items[i]
        if not arg.startswith("--") or len(arg) == 2:
            raise ConfigError(f"override {arg!r} must look like --section.key VALUE")
        if "=" in arg:
            key, raw = arg[2:].split("=", 1)
            i += 1
        else:
            if i + 1 >= len(items):
                raise ConfigError(f"override {arg} has no value")
            key, raw = arg[2:], items[i + 1]
            i += 2
        overrides[key] = yaml.safe_load(raw) if raw != "" else ""
    return overrides


def apply_overrides(data: dict[str, Any], overrides: dict[str, Any]) -> dict[str, Any]:
    """Return a copy of ``data`` with each dotted key set; intermediate sections are created."""
    data = copy.deepcopy(data)
    for dotted, value in overrides.items():
        node = data
        parts = dotted.split(".")
        for part in parts[:-1]:
            child = node.get(part)
            if child is None:
                child = node[part] = {}
            if not isinstance(child, dict):
                raise ConfigError(f"override --{dotted}: {part!r} is not a section")
            node = child
        node[parts[-1]] = value
    return data


def format_validation_error(exc: ValidationError, origin: str, overrides: dict[str, Any] | None = None) -> str:
    """One line per problem: ``origin: key.path: message``; a value set by a command-line override
    names the flag instead of the file (its value was read as YAML, which is often the surprise)."""
    lines = []
    for err in exc.errors():
        where = ".".join(str(p) for p in err["loc"]) or "(top level)"
        msg = err["msg"]
        if err["type"] == "extra_forbidden":
            msg = "unknown key"
        flag = next((k for k in overrides or {} if where == k or where.startswith(k + ".")), None)
        if flag is None:
            lines.append(f"{origin}: {where}: {msg}")
        else:
            lines.append(f"--{flag} on the command line: {where}: {msg} (the value is read as YAML, "
                         f"here {overrides[flag]!r}; quote it to pass a string)")
    return "\n".join(lines)


def parse_config(
    data: Any, model: type[M], origin: str, override_argv: Sequence[str] = ()
) -> M:
    """Validate ``data`` (already parsed YAML) as ``model``; errors name ``origin`` and the key."""
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError(f"{origin}: expected a mapping at the top level, got {type(data).__name__}")
    overrides = parse_overrides(override_argv)
    data = apply_overrides(data, overrides)
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(format_validation_error(exc, origin, overrides)) from None


def load_config(path: str | Path, model: type[M], override_argv: Sequence[str] = ()) -> M:
    """Read and validate a YAML config file (see :func:`parse_config`)."""
    return parse_config(read_yaml(path), model, str(path), override_argv)


def dump_config(config: BaseModel) -> str:
    """The resolved config as YAML, in field order, for saving beside a model."""
    return yaml.safe_dump(config.model_dump(mode="json"), sort_keys=False, allow_unicode=True)
