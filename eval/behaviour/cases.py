"""Behavioural cases as data: one YAML file per capability, read into frozen, strict models.

A file (``data/behaviour/<capability>.yaml``) names its capability and lists its cases::

    capability: negation_zero
    title: Negation and zero ("nobody was hurt")
    description: ...
    cases:
      - id: neg-nobody-killed-1          # unique across the whole suite
        template: nobody-killed-vs-killed
        text: "Nobody was killed when gunmen attacked a checkpoint outside Benghazi on Sunday, ..."
        expect: {no_casualty: true}
        pair:                            # a minimal pair: the other text and what it must give
          text: "A guard was killed when gunmen attacked a checkpoint outside Benghazi on Sunday, ..."
          expect:
            casualties:
              - {type: killed, text: "A guard", count: 1}
      - id: inv-ap-1
        template: ap-dateline
        prefix: "KABUL, Afghanistan (AP) — "  # an invariance: the same text with this before it
        text: "A roadside bomb killed three police officers in ..."
        expect:
          casualties:
            - {type: killed, text: "three police officers", count: 3, perpetrator: "...",
               not_location: ["...", "..."]}

A case is a minimum-functionality test (``text`` and ``expect``), a minimal pair (``pair``) or an
invariance (``prefix``). A figure's ``text`` is one accepted span text or a list of them; each
link slot (``perpetrator``, ``source``, ``location``, ``date``, ``weapon``) and its ``not_`` form
take one text or a list. How predictions are judged against them: :mod:`toll.eval.behaviour.judge`.

>>> case = Case.model_validate({"id": "x-1", "template": "t", "text": "Two died.",
...     "expect": {"casualties": [{"type": "killed", "text": "Two", "count": 2}]}})
>>> case.kind, case.expect.casualties[0].text
('mft', ('Two',))
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from toll.models.common.errors import ConfigError
from toll.models.common.yaml_config import read_yaml

SLOTS = ("perpetrator", "source", "location", "date", "weapon")
Texts = tuple[str, ...]


def _as_texts(value):
    """One text or a list of them -> a tuple of non-empty texts."""
    values = (value,) if isinstance(value, str) else value
    if isinstance(values, (list, tuple)) and all(isinstance(v, str) and v.strip() for v in values):
        return tuple(values)
    raise ValueError("expected a non-empty text or a list of them")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Figure(_Strict):
    """One casualty figure the text states, with the links it must (and must not) have."""

    type: Literal["killed", "injured", "casualties"]
    text: Texts = Field(min_length=1)
    count: int | None = Field(default=None, ge=0)
    perpetrator: Texts = ()
    source: Texts = ()
    location: Texts = ()
    date: Texts = ()
    weapon: Texts = ()
    not_perpetrator: Texts = ()
    not_source: Texts = ()
    not_location: Texts = ()
    not_date: Texts = ()
    not_weapon: Texts = ()

    @field_validator("text", *SLOTS, *(f"not_{s}" for s in SLOTS), mode="before")
    @classmethod
    def _texts(cls, value):
        return _as_texts(value)


class Expect(_Strict):
    """Every casualty figure the text states (the list is exhaustive), or ``no_casualty: true``."""

    no_casualty: bool = False
    casualties: tuple[Figure, ...] = ()

    @model_validator(mode="after")
    def _one_or_the_other(self) -> "Expect":
        if self.no_casualty == bool(self.casualties):
            raise ValueError("give either `no_casualty: true` or a non-empty `casualties` list")
        return self


class Variant(_Strict):
    """The other half of a minimal pair."""

    text: str = Field(min_length=1)
    expect: Expect


class Case(_Strict):
    id: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
    template: str = Field(min_length=1)
    text: str = Field(min_length=1)
    expect: Expect
    pair: Variant | None = None
    prefix: str | None = Field(default=None, min_length=1)

    @model_validator(mode="after")
    def _pair_or_prefix(self) -> "Case":
        if self.pair is not None and self.prefix is not None:
            raise ValueError("a case is a minimal pair (`pair`) or an invariance (`prefix`), not both")
        if self.pair is not None and self.pair.text == self.text:
            raise ValueError("the two texts of a minimal pair are the same")
        return self

    @property
    def kind(self) -> str:
        """``mft`` (minimum functionality), ``pair`` (minimal pair) or ``invariance``."""
        return "pair" if self.pair else "invariance" if self.prefix else "mft"

    def texts(self) -> list[str]:
        """The texts the model must read for this case, in order."""
        if self.pair:
            return [self.text, self.pair.text]
        if self.prefix:
            return [self.text, self.prefix + self.text]
        return [self.text]


class Capability(_Strict):
    capability: str = Field(pattern=r"^[a-z0-9_]+$")
    title: str = Field(min_length=1)
    description: str = ""
    path: str = ""
    cases: tuple[Case, ...] = Field(min_length=1)

    def templates(self) -> list[str]:
        return sorted({c.template for c in self.cases})


@dataclass(frozen=True)
class Suite:
    folder: str
    capabilities: tuple[Capability, ...]

    def cases(self) -> list[tuple[Capability, Case]]:
        return [(cap, case) for cap in self.capabilities for case in cap.cases]


def _error_text(exc: ValidationError) -> str:
    """Pydantic's first error as ``field.path: message``."""
    err = exc.errors()[0]
    where = ".".join(str(p) for p in err["loc"] if not isinstance(p, str) or not p.startswith("function-"))
    return f"{where}: {err['msg']}" if where else err["msg"]


def load_capability(path: str | Path) -> Capability:
    """One capability file; an error names the file and the case id (or its position)."""
    path = Path(path)
    raw = read_yaml(path)
    if not isinstance(raw, dict):
        raise ConfigError(f"{path}: expected a mapping with `capability`, `title` and `cases`")
    raw_cases = raw.get("cases")
    if not isinstance(raw_cases, list) or not raw_cases:
        raise ConfigError(f"{path}: `cases` must be a non-empty list")
    cases = []
    for i, raw_case in enumerate(raw_cases, 1):
        name = raw_case.get("id") if isinstance(raw_case, dict) else None
        label = f"case {name!r}" if isinstance(name, str) else f"case #{i}"
        try:
            cases.append(Case.model_validate(raw_case))
        except ValidationError as exc:
            raise ConfigError(f"{path}: {label}: {_error_text(exc)}") from None
    try:
        return Capability.model_validate({**raw, "cases": cases, "path": str(path)})
    except ValidationError as exc:
        raise ConfigError(f"{path}: {_error_text(exc)}") from None


def load_suite(folder: str | Path) -> Suite:
    """Every ``*.yaml`` in ``folder``; case ids and capability names must be unique across files."""
    folder = Path(folder)
    paths = sorted(folder.glob("*.yaml"))
    if not paths:
        raise ConfigError(f"{folder}: no case files (*.yaml)")
    capabilities = [load_capability(p) for p in paths]
    seen_caps: dict[str, str] = {}
    seen_ids: dict[str, str] = {}
    for cap in capabilities:
        if cap.capability in seen_caps:
            raise ConfigError(f"{cap.path}: capability {cap.capability!r} is also in {seen_caps[cap.capability]}")
        seen_caps[cap.capability] = cap.path
        for case in cap.cases:
            if case.id in seen_ids:
                raise ConfigError(f"{cap.path}: case {case.id!r}: id also used in {seen_ids[case.id]}")
            seen_ids[case.id] = cap.path
    return Suite(str(folder), tuple(capabilities))


# -- checks on a whole suite ------------------------------------------------------------------
MIN_TEMPLATES = 8       # per capability (the floor)
MIN_SENTENCE_WORDS = 6  # a case sentence this long found in the corpus is training text


def too_few_templates(suite: Suite, minimum: int = MIN_TEMPLATES) -> list[str]:
    """One line per capability with fewer than ``minimum`` distinct templates."""
    return [f"{cap.path}: capability {cap.capability!r} has {len(cap.templates())} templates, "
            f"at least {minimum} wanted" for cap in suite.capabilities if len(cap.templates()) < minimum]


def _squash(text: str) -> str:
    return " ".join(text.split()).casefold()


def corpus_overlaps(suite: Suite, corpus_texts: list[str]) -> list[str]:
    """One line per case whose text, or one of whose sentences of at least
    ``MIN_SENTENCE_WORDS`` words, occurs in a corpus text (case and spacing ignored).

    >>> suite = Suite("f", (Capability(capability="c", title="C", path="c.yaml", cases=(
    ...     Case(id="a-1", template="t", text="Two soldiers died. Police said so.",
    ...          expect={"no_casualty": True}),)),))
    >>> corpus_overlaps(suite, ["Earlier, two  soldiers died. More text."])
    []
    >>> corpus_overlaps(suite, ["... the army said. Two soldiers died. Police said so. ..."])
    ["c.yaml: case 'a-1': 'Two soldiers died. Police said so.' occurs in the corpus"]
    """
    # imported here, not at the top: sentencex is only needed for this check
    from toll.models.text.sentences import sentence_spans

    haystack = "\n\x00\n".join(_squash(t) for t in corpus_texts)
    found = []
    for cap, case in suite.cases():
        for text in dict.fromkeys([case.text] + ([case.pair.text] if case.pair else [])):
            pieces = [text] + [text[s:e] for s, e in sentence_spans(text)]
            hits = [p for p in dict.fromkeys(pieces)
                    if (p == text or len(re.findall(r"\w+", p)) >= MIN_SENTENCE_WORDS) and _squash(p) in haystack]
            if hits:
                found.append(f"{cap.path}: case {case.id!r}: {hits[0]!r} occurs in the corpus")
    return found
