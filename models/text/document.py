"""The one internal document model: text plus half-open character spans and directed relations.

``end`` is the index of the first character after the span, so ``text[start:end]`` is the span.

>>> text = "Taliban fighters attacked a post, killing one soldier."
>>> start = len("Taliban fighters attacked a post, killing ")
>>> doc = Document("d1", text,
...     entities=(Entity("c1", start, start + len("one soldier"), "KILLED"),
...               Entity("a1", 0, len("Taliban fighters"), "ACTOR")),
...     relations=(Relation("c1", "a1", "perpetrator"),))
>>> doc.span_text(doc.entity("c1"))
'one soldier'
>>> [e.id for e in doc.sorted_entities()]
['a1', 'c1']
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, Iterable


@dataclass(frozen=True)
class Entity:
    """A labelled span ``[start, end)`` of a document's text; ``score`` is set on predictions."""

    id: str
    start: int
    end: int
    label: str
    score: float | None = None

    @property
    def length(self) -> int:
        return self.end - self.start

    def overlaps(self, other: "Entity") -> bool:
        return self.start < other.end and other.start < self.end


@dataclass(frozen=True)
class Relation:
    """A directed relation from the entity ``head`` to the entity ``tail`` (entity ids)."""

    head: str
    tail: str
    label: str
    score: float | None = None


@dataclass(frozen=True)
class Document:
    id: str
    text: str
    entities: tuple[Entity, ...] = ()
    relations: tuple[Relation, ...] = ()
    meta: dict[str, Any] = field(default_factory=dict, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "entities", tuple(self.entities))
        object.__setattr__(self, "relations", tuple(self.relations))

    def span_text(self, entity: Entity) -> str:
        return self.text[entity.start : entity.end]

    def entity(self, entity_id: str) -> Entity:
        for entity in self.entities:
            if entity.id == entity_id:
                return entity
        raise KeyError(entity_id)

    def entity_map(self) -> dict[str, Entity]:
        return {e.id: e for e in self.entities}

    def sorted_entities(self) -> list[Entity]:
        return sorted(self.entities, key=lambda e: (e.start, e.end, e.label, e.id))

    def with_annotations(
        self, entities: Iterable[Entity], relations: Iterable[Relation] = ()
    ) -> "Document":
        """The same text and meta with other annotations (e.g. predictions)."""
        return replace(self, entities=tuple(entities), relations=tuple(relations))

    def without_annotations(self) -> "Document":
        return self.with_annotations((), ())
