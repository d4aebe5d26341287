"""The label schema: entity labels, relation types and the head/tail types each relation allows.

The schema is data (``configs/schema.yaml``); this module only reads and queries it.

>>> schema = Schema.load()
>>> schema.entity_labels[:3]
('KILLED', 'INJURED', 'CASUALTIES')
>>> schema.allows("source", "KILLED", "SOURCE"), schema.allows("source", "ACTOR", "SOURCE")
(True, False)
>>> schema.relations_between("INJURED", "WEAPON")
('weapon',)
>>> schema.iob2_labels()[:3]
('O', 'B-KILLED', 'I-KILLED')
"""

from __future__ import annotations

from functools import cached_property
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, model_validator

from toll.models.common.errors import ConfigError
from toll.models.common.paths import CONFIGS_DIR
from toll.models.common.yaml_config import parse_config, read_yaml

DEFAULT_SCHEMA_PATH = CONFIGS_DIR / "schema.yaml"

CasualtyKind = Literal["killed", "injured", "casualties"]


class EntityType(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    description: str = ""
    casualty: CasualtyKind | None = None
    color: str = "#888888"


class RelationType(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    description: str = ""
    heads: tuple[str, ...] = Field(min_length=1)
    tails: tuple[str, ...] = Field(min_length=1)


class Schema(BaseModel):
    """Entity labels (flat, ordered) and directed relation types between them."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    name: str
    version: int = 1
    entities: dict[str, EntityType] = Field(min_length=1)
    relations: dict[str, RelationType] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _relations_use_known_labels(self) -> "Schema":
        for rel_name, rel in self.relations.items():
            for side, labels in (("heads", rel.heads), ("tails", rel.tails)):
                for label in labels:
                    if label not in self.entities:
                        raise ValueError(
                            f"relation {rel_name!r} {side} names unknown entity label {label!r}"
                        )
        for label in self.entities:
            if label == "O" or "-" in label or not label.strip():
                raise ValueError(f"entity label {label!r} is not allowed (no 'O', no '-')")
        return self

    @classmethod
    def load(cls, path: str | Path | None = None) -> "Schema":
        """Read a schema YAML file (the project default when ``path`` is None)."""
        path = Path(path) if path is not None else DEFAULT_SCHEMA_PATH
        return parse_config(read_yaml(path), cls, str(path))

    def to_yaml(self) -> str:
        return yaml.safe_dump(self.model_dump(mode="json"), sort_keys=False, allow_unicode=True)

    @cached_property
    def entity_labels(self) -> tuple[str, ...]:
        return tuple(self.entities)

    @cached_property
    def relation_labels(self) -> tuple[str, ...]:
        return tuple(self.relations)

    @cached_property
    def casualty_labels(self) -> tuple[str, ...]:
        """Labels whose spans are casualty figures (the heads of casualty records)."""
        return tuple(name for name, t in self.entities.items() if t.casualty is not None)

    def casualty_kind(self, label: str) -> CasualtyKind | None:
        return self.entities[label].casualty if label in self.entities else None

    def allows(self, relation: str, head_label: str, tail_label: str) -> bool:
        rel = self.relations.get(relation)
        return rel is not None and head_label in rel.heads and tail_label in rel.tails

    def relations_between(self, head_label: str, tail_label: str) -> tuple[str, ...]:
        """Relation types allowed from a ``head_label`` span to a ``tail_label`` span."""
        return tuple(
            name
            for name, rel in self.relations.items()
            if head_label in rel.heads and tail_label in rel.tails
        )

    @cached_property
    def head_labels(self) -> frozenset[str]:
        return frozenset(label for rel in self.relations.values() for label in rel.heads)

    def iob2_labels(self) -> tuple[str, ...]:
        """Tag inventory in a fixed order: ``O`` then ``B-X``, ``I-X`` per entity label."""
        tags = ["O"]
        for label in self.entity_labels:
            tags += [f"B-{label}", f"I-{label}"]
        return tuple(tags)


def check_same_schema(expected: Schema, found: Schema, where: str) -> None:
    """Raise a ConfigError if two schemas disagree on labels or relations (e.g. model vs corpus)."""
    if expected.entity_labels != found.entity_labels:
        raise ConfigError(
            f"{where}: entity labels {list(found.entity_labels)} differ from the expected "
            f"{list(expected.entity_labels)}"
        )
    if expected.relations != found.relations:
        raise ConfigError(f"{where}: relation types differ from the expected schema")
