"""Corpus labels -> project labels, as data (``configs/mappings/<corpus>.yaml``).

A mapping names every label of its corpus: mapped ones under ``entities`` / ``relations``, the
rest under ``unmapped`` with a reason. ``annotated_labels`` lists the project labels the corpus
marks exhaustively after mapping: for them unmarked text is ``O``. Spans of any other label are
kept but are positive-only: their absence elsewhere means "not annotated", never ``O``.

>>> from toll.models.text.document import Document, Entity
>>> from toll.models.text.schema import Schema
>>> mapping = LabelMapping(corpus="toy", entities={"Location": "LOCATION", "Organisation": "ACTOR"},
...     annotated_labels=["LOCATION"], drop_span_texts=["they"],
...     unmapped={"entities": {"Person": "no single project label"}})
>>> text = "They said Assad's forces shelled Aleppo ."
>>> doc = Document("d1", text, (Entity("e1", 0, 4, "Organisation"), Entity("e2", 10, 15, "Person"),
...     Entity("e3", 10, 24, "Organisation"), Entity("e4", 33, 40, "Location")))
>>> mapped = apply_mapping(doc, mapping, Schema.load())
>>> [(e.label, mapped.span_text(e)) for e in mapped.entities]
[('ACTOR', "Assad's forces"), ('LOCATION', 'Aleppo')]
>>> mapped.meta["annotated_labels"], mapped.meta["mapping_dropped"]
(['LOCATION'], {'unmapped': 1, 'pronoun': 1, 'overlap': 0, 'relations': 0})
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, model_validator

from toll.models.text.document import Document, Entity, Relation
from toll.models.common.paths import CONFIGS_DIR
from toll.models.common.errors import ConfigError, CorpusError
from toll.models.text.schema import Schema
from toll.models.common.yaml_config import load_config

MAPPINGS_DIR = CONFIGS_DIR / "mappings"


class Unmapped(BaseModel):
    """Corpus labels deliberately left out, each with a one-line reason."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    entities: dict[str, str] = Field(default_factory=dict)
    relations: dict[str, str] = Field(default_factory=dict)


class LabelMapping(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    corpus: str
    entities: dict[str, str] = Field(default_factory=dict)
    relations: dict[str, str] = Field(default_factory=dict)
    annotated_labels: tuple[str, ...] = ()
    drop_span_texts: tuple[str, ...] = ()
    unmapped: Unmapped = Unmapped()

    @model_validator(mode="after")
    def _consistent(self) -> "LabelMapping":
        for kind, mapped, left in (
            ("entity", self.entities, self.unmapped.entities),
            ("relation", self.relations, self.unmapped.relations),
        ):
            both = sorted(set(mapped) & set(left))
            if both:
                raise ValueError(f"{kind} labels both mapped and unmapped: {both}")
            empty = sorted(k for k, reason in left.items() if not reason.strip())
            if empty:
                raise ValueError(f"unmapped {kind} labels without a reason: {empty}")
        extra = sorted(set(self.annotated_labels) - set(self.entities.values()))
        if extra:
            raise ValueError(f"annotated_labels {extra} are not the target of any entity mapping")
        return self

    def check(self, schema: Schema) -> None:
        """Raise a ConfigError when a target label or relation is not in ``schema``."""
        for source, target in self.entities.items():
            if target not in schema.entities:
                raise ConfigError(f"mapping {self.corpus}: {source} -> unknown label {target!r}")
        for source, target in self.relations.items():
            if target not in schema.relations:
                raise ConfigError(f"mapping {self.corpus}: {source} -> unknown relation {target!r}")


def load_mapping(path: str | Path) -> LabelMapping:
    """Read a mapping YAML strictly (unknown keys are errors naming the file)."""
    return load_config(path, LabelMapping)


def default_mapping(corpus: str) -> LabelMapping:
    """The project's mapping for ``corpus`` (``configs/mappings/<corpus>.yaml``)."""
    return load_mapping(MAPPINGS_DIR / f"{corpus}.yaml")


def _trimmed(entity: Entity, text: str) -> Entity | None:
    start, end = entity.start, entity.end
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return replace(entity, start=start, end=end) if end > start else None


def flatten(entities: list[Entity], schema: Schema) -> list[Entity]:
    """Drop spans overlapping a kept one: casualty labels first, then longer, then earlier."""
    order = sorted(
        entities,
        key=lambda e: (e.label not in schema.casualty_labels, -e.length, e.start, e.id),
    )
    kept: list[Entity] = []
    for entity in order:
        if not any(entity.overlaps(k) for k in kept):
            kept.append(entity)
    return sorted(kept, key=lambda e: (e.start, e.end, e.id))


def apply_mapping(doc: Document, mapping: LabelMapping, schema: Schema) -> Document:
    """Relabel ``doc`` onto ``schema``: drop unmapped, pronoun and overlapping spans.

    Spans are trimmed of edge whitespace; overlaps keep the casualty span, else the longer one.
    A relation is kept where the mapping maps its label and the schema allows the new pair.
    A label the mapping does not name raises a CorpusError.
    """
    mapping.check(schema)
    dropped = {"unmapped": 0, "pronoun": 0, "overlap": 0, "relations": 0}
    pronouns = {t.lower() for t in mapping.drop_span_texts}
    entities: list[Entity] = []
    for entity in doc.entities:
        if entity.label in mapping.unmapped.entities:
            dropped["unmapped"] += 1
            continue
        if entity.label not in mapping.entities:
            raise CorpusError(
                f"{doc.id}: entity label {entity.label!r} is neither mapped nor unmapped "
                f"in the {mapping.corpus} mapping"
            )
        trimmed = _trimmed(replace(entity, label=mapping.entities[entity.label]), doc.text)
        if trimmed is None or doc.span_text(trimmed).lower() in pronouns:
            dropped["pronoun"] += 1
            continue
        entities.append(trimmed)
    flat = flatten(entities, schema)
    dropped["overlap"] = len(entities) - len(flat)
    by_id = {e.id: e for e in flat}
    relations: list[Relation] = []
    for rel in doc.relations:
        if rel.label not in mapping.relations and rel.label not in mapping.unmapped.relations:
            raise CorpusError(
                f"{doc.id}: relation label {rel.label!r} is neither mapped nor unmapped "
                f"in the {mapping.corpus} mapping"
            )
        label = mapping.relations.get(rel.label)
        head, tail = by_id.get(rel.head), by_id.get(rel.tail)
        if label and head and tail and schema.allows(label, head.label, tail.label):
            relations.append(replace(rel, label=label))
        else:
            dropped["relations"] += 1
    meta = dict(doc.meta, annotated_labels=list(mapping.annotated_labels), mapping_dropped=dropped)
    return replace(doc, entities=tuple(flat), relations=tuple(relations), meta=meta)
