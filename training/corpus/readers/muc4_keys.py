"""MUC-4 casualty spans located from the answer keys (:func:`read_muc4_templates`).

``muc4_templates_with_casualties.jsonl`` (in the ``muc4`` dataset folder; where to download it:
:mod:`toll.training.corpus.readers.muc4`) holds one line per MUC document, its raw text (copied
verbatim from ``TASK/CORPORA``) and its relevant templates, parsed (slot 23 effect, slot 21 number,
slots 9/10 perpetrators, slot 3 location, slot 2 date; :mod:`~toll.training.corpus.readers.muc4_slots`
reads them). A victim whose effect is DEATH / INJURY (both: CASUALTIES) becomes a
KILLED / INJURED span at each mention with a death / injury word within 80 characters in its
sentence, widened leftwards over its count and determiner ("SIX JESUITS"), joined with an adjacent
title from slot 19 ("MAYOR OF ACHI, RICARDO ..."), cut before a relative clause; perpetrators become ACTOR, places LOCATION, dates DATE (written out,
or "YESTERDAY"/"TODAY"/a weekday read against the dateline). Relations go from each casualty span
to the closest mention of its template's perpetrators (organisations held only as POSSIBLE are
not linked), places and date. The header (dateline and bracketed notes) is never searched.
``meta["fills"]`` counts located and not located template fills per kind.

MUC-4 keys template only terrorist incidents, so no label is exhaustive (``annotated_labels`` is
empty): an unmarked casualty phrase is unannotated, not ``O``.

>>> text = "   LIMA, 9 JAN 90 -- [TEXT] SUBVERSIVES KILLED SIX PEASANTS IN AYACUCHO YESTERDAY."
>>> template = {"hum_tgt_effect": [{"prefix": "DEATH", "strings": ["PEASANTS"]}],
...     "hum_tgt_number": [{"prefix": "6", "strings": ["PEASANTS"]}], "hum_tgt_description": [],
...     "perp_individual": [{"strings": ["SUBVERSIVES"]}], "perp_organization": [],
...     "perp_org_confidence": [], "location": "PERU: AYACUCHO (CITY)", "date": "08 JAN 90"}
>>> doc = template_document("d1", text, [template])
>>> [(e.label, doc.span_text(e)) for e in doc.entities]
[('ACTOR', 'SUBVERSIVES'), ('KILLED', 'SIX PEASANTS'), ('LOCATION', 'AYACUCHO'), ('DATE', 'YESTERDAY')]
>>> sorted(r.label for r in doc.relations), doc.meta["fills"]["victim"]
(['date', 'location', 'perpetrator'], {'located': 1, 'not_located': 0})
"""

from __future__ import annotations

import json
import re
from collections import Counter
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable, Iterator

from toll.models.common.errors import CorpusError
from toll.models.counts import normalize_count
from toll.models.text.document import Document, Entity, Relation
from toll.models.text.schema import Schema
from toll.training.corpus.readers.mapping import default_mapping, flatten
from toll.training.corpus.readers.muc4 import SPLITS, find_all
from toll.training.corpus.readers.muc4_slots import (DMY, date_patterns, linked_perpetrators, parse_dmy, place_names,
                                                     victims)

_NUMBER = (r"(?:\d[\d,]*|ONE|TWO|THREE|FOUR|FIVE|SIX|SEVEN|EIGHT|NINE|TEN|ELEVEN|TWELVE|\w+TEEN|"
           r"TWENTY|THIRTY|FORTY|FIFTY|SIXTY|SEVENTY|EIGHTY|NINETY|HUNDREDS?|THOUSANDS?|DOZENS?|SCORES)")
# What may stand left of a victim phrase and belongs in its span:
# qualifier, determiner, count, "OF THE", "OTHER" ("AT LEAST SIX OTHER", "TWO OF THE").
_COUNT_PREFIX = re.compile(
    r"(?<!\S)(?:(?:AT\s+LEAST|MORE\s+THAN|UP\s+TO|AS\s+MANY\s+AS|ABOUT|SOME|NEARLY|ALMOST|"
    r"APPROXIMATELY|AROUND|OVER|AN\s+ESTIMATED)\s+)?"
    r"(?:(?:THE|A|AN|THESE|THOSE|ITS|HIS|HER|THEIR|ANOTHER|SEVERAL|MANY)\s+)?"
    rf"(?:{_NUMBER}(?:[\s-]+(?:AND\s+)?{_NUMBER})*\s+(?:OF\s+THE\s+|OF\s+THEM\s+)?)?(?:OTHER\s+)?$",
    re.I,
)
_PRONOUN_HEADS = {"", "THOSE", "ALL THOSE", "ALL", "ONE", "ONES", "THE ONES", "ANYONE", "EVERYONE"}
_DETERMINER = re.compile(r"(?<!\S)(?:THE|A|AN)\s+$", re.I)
_CUES = {
    "KILLED": r"KILL|DEAD|DEATH|DIED|\bDIE|DYING|MURDER|ASSASSIN|SLAIN|SLAY|EXECUT|MASSACRE|"
              r"BOD(?:Y|IES)|CORPSE|LIVES|FATAL|SHOT",
    "INJURED": r"WOUND|INJUR|HURT|HOSPITAL|MAIM",
}
_CUES["CASUALTIES"] = _CUES["KILLED"] + "|" + _CUES["INJURED"]
_CUE = {label: re.compile(rf"{cue}|CASUALT|VICTIM", re.I) for label, cue in _CUES.items()}
_HEADER = re.compile(r"^.{0,300}?--(?:\s*\[[^\]]*\])*", re.S)


def _widen(text: str, start: int, pattern: re.Pattern[str]) -> int:
    match = pattern.search(text, max(0, start - 80), start)
    return match.start() if match else start


def _cued(text: str, start: int, end: int, label: str, reach: int = 80) -> bool:
    """Whether a death / injury word lies within ``reach`` characters of the span, in its sentence."""
    left = max(text.rfind(". ", 0, start), text.rfind(".\n", 0, start), text.rfind("\n\n", 0, start)) + 1
    ends = [i for i in (text.find(". ", end), text.find(".\n", end), text.find("\n\n", end)) if i >= 0]
    right = min(ends) if ends else len(text)
    return bool(_CUE[label].search(text, max(left, start - reach), min(right, end + reach)))


class _Spans:
    """One document's spans by position, the links between them, and how the key's fills fared."""

    def __init__(self, text: str, body_start: int):
        self.text, self.body_start = text, body_start
        self.labels: dict[tuple[int, int], str] = {}
        self.links: set[tuple[tuple[int, int], tuple[int, int], str]] = set()
        self.fills = {k: Counter() for k in ("victim", "perpetrator", "location", "date")}
        self.not_located: list[tuple[str, str, str]] = []
        self.count_agrees: Counter[bool] = Counter()

    def find(self, phrase: str) -> list[tuple[int, int]]:
        return find_all(self.text, phrase, self.body_start)

    def add(self, span: tuple[int, int], label: str) -> tuple[int, int]:
        old = self.labels.get(span)
        if old is None or (old in _CUE) < (label in _CUE):
            self.labels[span] = label
        elif old in _CUE and label in _CUE and old != label:
            self.labels[span] = "CASUALTIES"
        return span

    def add_mentions(self, phrases: Iterable[str], label: str) -> list[tuple[int, int]]:
        spans = []
        for phrase in phrases:
            for s, e in self.find(phrase):
                spans.append(self.add((_widen(self.text, s, _DETERMINER), e), label))
        return spans

    def fill(self, kind: str, located: bool, what: str = "", why: str = "") -> None:
        self.fills[kind]["located" if located else "not_located"] += 1
        if not located and what:
            self.not_located.append((kind, what, why))

    def meta(self) -> dict[str, Any]:
        return {
            "fills": {k: {"located": v["located"], "not_located": v["not_located"]}
                      for k, v in self.fills.items()},
            "not_located": self.not_located,
            "count_agrees": {"yes": self.count_agrees[True], "no": self.count_agrees[False]},
        }


def _closest(targets: list[tuple[int, int]], span: tuple[int, int]) -> tuple[int, int] | None:
    return min(targets, key=lambda t: (abs(t[0] - span[0]), t[0]), default=None)


def _cut_relative(text: str, start: int, end: int) -> tuple[int, int]:
    """Relative clauses are outside a casualty span: "16 PEASANTS WHO WERE MEMBERS ..." -> "16 PEASANTS"."""
    clause = re.search(r"[\s,]+(?:WHO|WHOM|WHICH|THAT)\s", text[start:end], re.I)
    if clause is None or text[start : start + clause.start()].upper() in _PRONOUN_HEADS:
        return start, end  # "THOSE WHO DIED" keeps its clause: "THOSE" alone names no one
    return start, start + clause.start()


def _victim_spans(
    spans: _Spans, strings: list[str], titles: list[str], label: str
) -> tuple[list[tuple[int, int]], str]:
    """Mentions of one victim near a cue for ``label``, widened over their count and adjacent titles."""
    text = spans.text
    found = [(s, e) for phrase in strings for s, e in spans.find(phrase)]
    if not found:
        return [], "absent"
    cued = {_cut_relative(text, _widen(text, s, _COUNT_PREFIX), e)
            for s, e in found if _cued(text, s, e, label)}
    adjacent = {  # "MAYOR OF ACHI, RICARDO ALFONSO CASTELLAR": the title joins the name's span
        (_widen(text, s, _DETERMINER), e) for title in titles for s, e in spans.find(title)
        if any(re.fullmatch(r"[\s,]*", text[e:cs] if e <= cs else text[ce:s]) for cs, ce in cued)
    }
    merged: list[tuple[int, int]] = []
    for s, e in sorted(cued | adjacent):
        if merged and (s < merged[-1][1] or re.fullmatch(r"[\s,]*", text[merged[-1][1] : s])):
            merged[-1] = (merged[-1][0], max(e, merged[-1][1]))
        else:
            merged.append((s, e))
    return merged, ("located" if merged else "no_cue")


def _add_template(spans: _Spans, template: dict[str, Any], dateline: date | None) -> None:
    actors = [(spans.add_mentions(strings, "ACTOR"), link, strings)
              for strings, link in linked_perpetrators(template)]
    places = [spans.add_mentions([name], "LOCATION") for name in place_names(template.get("location"))]
    dates = spans.add_mentions(date_patterns(template.get("date") or "", dateline), "DATE")
    for found, _, strings in actors:
        spans.fill("perpetrator", bool(found), strings[0], "absent")
    if places:
        spans.fill("location", any(places))
    if template.get("date"):
        spans.fill("date", bool(dates))
    targets = [(found, "perpetrator") for found, link, _ in actors if link]
    targets += [(found, "location") for found in places] + [(dates, "date")]
    for label, strings, titles, count in victims(template):
        victim_spans, why = _victim_spans(spans, strings, titles, label)
        spans.fill("victim", bool(victim_spans), strings[0], why)
        for span in victim_spans:
            spans.add(span, label)
            value = normalize_count(spans.text[span[0] : span[1]])["value"]
            if count and count.isdigit() and value is not None:
                spans.count_agrees[value == int(count)] += 1
            tails = [(_closest(found, span), rel) for found, rel in targets]
            spans.links |= {(span, tail, rel) for tail, rel in tails if tail is not None}


def template_document(doc_id: str, text: str, templates: list[dict[str, Any]]) -> Document:
    """One MUC document and its parsed key templates -> casualty, actor, place and date spans."""
    header = _HEADER.match(text)
    body_start = header.end() if header else 0
    dmy = DMY.search(text, 0, body_start)
    spans = _Spans(text, body_start)
    for template in templates:
        _add_template(spans, template, parse_dmy(*dmy.groups()) if dmy else None)
    return _document(doc_id, text, spans, {"corpus": "muc4-templates", **spans.meta()})


@lru_cache(maxsize=1)
def _schema() -> Schema:
    return Schema.load()


def _document(doc_id: str, text: str, spans: _Spans, meta: dict[str, Any]) -> Document:
    ids = {span: f"T{i}" for i, span in enumerate(sorted(spans.labels), 1)}
    entities = [Entity(ids[span], span[0], span[1], label) for span, label in spans.labels.items()]
    schema = _schema()
    kept = {e.id: e for e in flatten(entities, schema)}
    relations = sorted(
        (Relation(ids[head], ids[tail], rel) for head, tail, rel in spans.links
         if ids[head] in kept and ids[tail] in kept
         and schema.allows(rel, kept[ids[head]].label, kept[ids[tail]].label)),
        key=lambda r: (r.head, r.label, r.tail),
    )
    meta["overlaps_dropped"] = len(entities) - len(kept)
    return Document(doc_id, text, tuple(kept.values()), tuple(relations), meta)


def read_muc4_templates(root: str | Path, split: str | None = None) -> Iterator[Document]:
    """Documents of ``muc4_templates_with_casualties.jsonl``; ``split``: train/dev/test (GTT) or all."""
    if split is not None and split not in SPLITS:
        raise ValueError(f"split must be one of {tuple(SPLITS)} or None, not {split!r}")
    path = Path(root) / "muc4_templates_with_casualties.jsonl"
    annotated = list(default_mapping("muc4").annotated_labels)
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise CorpusError(f"{path}: cannot read: {exc}") from None
    for lineno, line in enumerate(lines, 1):
        try:
            record = json.loads(line)
            doc_id, text = record["docid"], record["text"]
            folder, templates = record["split"], record["templates"]
        except (json.JSONDecodeError, KeyError, TypeError) as exc:
            raise CorpusError(f"{path}:{lineno}: not a MUC-4 key record ({exc})") from None
        if split is not None and folder not in SPLITS[split]:
            continue
        try:
            doc = template_document(doc_id, text, templates)
        except (AttributeError, TypeError) as exc:
            raise CorpusError(f"{path}:{lineno}: {doc_id}: malformed template ({exc})") from None
        doc.meta.update(split=folder, annotated_labels=annotated)
        yield doc


def fill_counts(docs: Iterable[Document]) -> dict[str, Counter]:
    """Located / not located template fills per kind, summed over documents."""
    total: dict[str, Counter] = {}
    for doc in docs:
        for kind, counts in doc.meta.get("fills", {}).items():
            total.setdefault(kind, Counter()).update(counts)
    return total
