"""Scores per kind of text, and false casualty figures on documents that state none.

Real reporting comes in kinds that behave differently (one-line Wikipedia items, Wikinews articles,
re3d press releases, MUC-4 all-capitals wire copy), so the report gives each its own row. Users'
piles are mostly text without any casualty figure; ``false_figures`` says how many figures the
model invents per 100 such documents.

>>> from toll.models.text.document import Document, Entity
>>> gold = [Document("a", "Police said nothing happened.", (), (), {"data": {"origin": "re3d/CENTCOM"}})]
>>> pred = [Document("a", gold[0].text, (Entity("x", 0, 6, "KILLED"),), (), {})]
>>> false_figures(gold, pred, ("KILLED",))
{'documents': 1, 'false_figures': 1, 'per_100_documents': 100.0, 'documents_with_a_false_figure': 1}
"""

from __future__ import annotations

from collections import defaultdict

from toll.models.text.document import Document
from toll.models.scoring import exact_counts, prf, relation_total
from toll.training.corpus.real_splits import kind

KIND_ORDER = ("short", "wikinews", "re3d", "muc4", "real", "written")
KIND_TITLES = {"short": "Wikipedia items", "wikinews": "Wikinews", "re3d": "re3d", "muc4": "MUC-4 (all capitals)",
               "real": "other real (seed article)", "written": "written for the project"}


def false_figures(gold: list[Document], pred: list[Document], casualty_labels: tuple[str, ...]) -> dict:
    """Predicted casualty spans in the gold documents that have no casualty span at all."""
    empty = [(g, p) for g, p in zip(gold, pred) if not any(e.label in casualty_labels for e in g.entities)]
    found = [sum(e.label in casualty_labels for e in p.entities) for _, p in empty]
    n = len(empty)
    return {"documents": n, "false_figures": sum(found),
            "per_100_documents": round(100 * sum(found) / n, 2) if n else None,
            "documents_with_a_false_figure": sum(1 for f in found if f)}


def by_kind(gold: list[Document], pred: list[Document], casualty_labels: tuple[str, ...]) -> dict[str, dict]:
    """Exact entity F1, casualty-span F1 and end-to-end relation F1 for each kind of text."""
    groups: dict[str, list[tuple[Document, Document]]] = defaultdict(list)
    for g, p in zip(gold, pred):
        groups[kind(g.meta.get("data", {}))].append((g, p))
    rows = {}
    for name in sorted(groups, key=KIND_ORDER.index):
        pairs = groups[name]
        entity = [sum(x) for x in zip(*(exact_counts(g, p) for g, p in pairs))]
        casualty = [sum(x) for x in zip(*(exact_counts(g, p, set(casualty_labels)) for g, p in pairs))]
        relation = [sum(x) for x in zip(*(relation_total(g, p) for g, p in pairs))]
        rows[name] = {
            "documents": len(pairs),
            "entity_exact": prf(*entity),
            "casualty_spans": prf(*casualty),
            "relations_end_to_end": prf(*relation),
            "false_figures": false_figures([g for g, _ in pairs], [p for _, p in pairs], casualty_labels),
        }
    return rows
