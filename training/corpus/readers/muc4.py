"""MUC-4 as Documents: ConfliBERT's role fillers, and casualty spans located from the answer keys.

Download: the MUC-3/4 texts and answer keys via https://github.com/xinyadu/gtt (``data/muc``);
ConfliBERT's split via https://github.com/eventdata/ConfliBERT (``data/muc4``). FBIS news of
1989-90, mostly UPPERCASE.

**Role fillers** (:func:`read_conflibert_muc4`): ``<split>.json`` maps a doc id to ``{"doc": text,
"roles": {role: [[mention, coreferent mention, ...], ...]}}`` with GTT's five roles
(``perp_individual_id`` -> PerpInd, ``perp_organization_id`` -> PerpOrg, ``phys_tgt_id`` -> Target,
``hum_tgt_name`` -> Victim, ``incident_instrument_id`` -> Weapon). Fillers carry no offsets:
every occurrence of every mention is marked (case-insensitive, any whitespace between words, whole
words); overlapping occurrences keep the longer one. ``meta["fills"]`` counts found and not
found fillers per label; ``meta["not_found"]`` lists the missing ones.

**Casualties from the keys** (:func:`read_muc4_templates`): ``muc4_templates_with_casualties.jsonl``
holds one line per MUC document, its raw text (copied verbatim from ``TASK/CORPORA``) and its
relevant templates, parsed (slot 23 effect, slot 21 number, slots 9/10 perpetrators, slot 3
location, slot 2 date). A victim whose effect is DEATH / INJURY (both: CASUALTIES) becomes a
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

from toll.models.counts import normalize_count
from toll.models.text.document import Document, Entity, Relation
from toll.models.common.errors import CorpusError
from toll.models.text.schema import Schema
from toll.training.corpus.readers.mapping import default_mapping, flatten

ROLES = {"perp_individual_id": "PerpInd", "perp_organization_id": "PerpOrg",
         "phys_tgt_id": "Target", "hum_tgt_name": "Victim", "incident_instrument_id": "Weapon"}
# GTT / ConfliBERT split of the MUC folders.
SPLITS = {"train": ("dev",), "dev": ("tst1", "tst2"), "test": ("tst3", "tst4")}
MONTHS = ("JANUARY FEBRUARY MARCH APRIL MAY JUNE JULY AUGUST SEPTEMBER OCTOBER NOVEMBER DECEMBER").split()
WEEKDAYS = "MONDAY TUESDAY WEDNESDAY THURSDAY FRIDAY SATURDAY SUNDAY".split()
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
_DMY = re.compile(r"\b(\d{1,2}) ([A-Z]{3}) (\d{2})\b")


def phrase_pattern(phrase: str) -> re.Pattern[str]:
    """Whole words, any whitespace between them, any case.

    >>> phrase_pattern("ENRIQUE LOPEZ ALBUJAR").search("GENERAL ENRIQUE LOPEZ\\nALBUJAR WAS").span()
    (8, 29)
    """
    words = phrase.split()
    return re.compile(r"(?<!\w)" + r"\s+".join(re.escape(w) for w in words) + r"(?!\w)", re.I)


def find_all(text: str, phrase: str, after: int = 0) -> list[tuple[int, int]]:
    if not phrase.strip():
        return []
    return [m.span() for m in phrase_pattern(phrase).finditer(text, after)]


def _read_json(path: Path) -> Any:
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except FileNotFoundError:
        raise CorpusError(f"{path}: not found") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise CorpusError(f"{path}: cannot read: {exc}") from None


# --- ConfliBERT role fillers -------------------------------------------------------------

def role_filler_document(
    doc_id: str, text: str, roles: dict[str, list[list[str]]], where: str
) -> Document:
    """Every occurrence of every filler mention, longer occurrences first where they overlap."""
    candidates: list[tuple[int, int, str]] = []
    fills: dict[str, Counter] = {}
    not_found: list[tuple[str, str]] = []
    for role, fillers in roles.items():
        if role not in ROLES or not isinstance(fillers, list):
            raise CorpusError(f"{where}: {doc_id}: unknown role {role!r} or fillers not a list")
        label = ROLES[role]
        for mentions in fillers:
            if not isinstance(mentions, list) or not all(isinstance(m, str) for m in mentions):
                raise CorpusError(f"{where}: {doc_id}: {role} filler {mentions!r} is not a list of strings")
            spans = {s for m in mentions for s in find_all(text, m)}
            fills.setdefault(label, Counter())["found" if spans else "not_found"] += 1
            if not spans:
                not_found.append((label, mentions[0] if mentions else ""))
            candidates += [(s, e, label) for s, e in spans]
    kept: list[tuple[int, int, str]] = []
    for s, e, label in sorted(set(candidates), key=lambda c: (c[0] - c[1], c[0], c[2])):
        if all(e <= ks or ke <= s for ks, ke, _ in kept):
            kept.append((s, e, label))
    entities = tuple(Entity(f"T{i}", s, e, label) for i, (s, e, label) in enumerate(sorted(kept), 1))
    meta = {"corpus": "muc4-conflibert", "fills": {k: dict(v) for k, v in fills.items()},
            "not_found": not_found, "overlaps_dropped": len(set(candidates)) - len(kept)}
    return Document(doc_id, text, entities, (), meta)


def read_conflibert_muc4(root: str | Path, split: str) -> list[Document]:
    """ConfliBERT's MUC-4 ``split`` (train/dev/test); ``root`` is the ``conflibert`` folder."""
    if split not in SPLITS:
        raise ValueError(f"split must be one of {tuple(SPLITS)}, not {split!r}")
    path = Path(root) / "data" / "muc4" / f"{split}.json"
    data = _read_json(path)
    if not isinstance(data, dict):
        raise CorpusError(f"{path}: expected {{doc id: {{doc, roles}}}}")
    annotated = list(default_mapping("muc4").annotated_labels)
    docs = []
    for doc_id, record in data.items():
        if not isinstance(record, dict) or not isinstance(record.get("doc"), str):
            raise CorpusError(f"{path}: {doc_id}: expected {{'doc': text, 'roles': {{...}}}}")
        doc = role_filler_document(doc_id, record["doc"], record.get("roles", {}), str(path))
        doc.meta.update(split=split, annotated_labels=annotated)
        docs.append(doc)
    return docs


# --- casualties from the answer keys -----------------------------------------------------

def effect_label(prefix: str | None) -> str | None:
    """Slot 23 effect -> KILLED / INJURED / CASUALTIES (alternatives of both), else None.

    >>> [effect_label(p) for p in ("DEATH", "? INJURY", "INJURY / DEATH", "NO INJURY OR DEATH", None)]
    ['KILLED', 'INJURED', 'CASUALTIES', None, None]
    """
    alternatives = {a.strip(" ?()") for a in (prefix or "").split("/")}
    kinds = {a for a in alternatives if a in ("DEATH", "INJURY")}
    if not kinds:
        return None
    return "CASUALTIES" if len(kinds) == 2 else ("KILLED" if kinds == {"DEATH"} else "INJURED")


def _parse_dmy(day: str, month: str, year: str) -> date | None:
    months = [m[:3] for m in MONTHS]
    if month not in months:
        return None
    try:
        return date(1900 + int(year), months.index(month) + 1, int(day))
    except ValueError:
        return None


def date_patterns(slot: str, dateline: date | None) -> list[str]:
    """Surface forms of a single key date ("08 JAN 90"); ranges and "- DATE" give none.

    >>> date_patterns("08 JAN 90", date(1990, 1, 9))
    ['8 JANUARY', 'JANUARY 8', '8 JAN', 'JAN 8', 'YESTERDAY', 'LAST NIGHT', 'MONDAY']
    """
    found = _DMY.findall(slot or "")
    if len(found) != 1 or "-" in slot:
        return []
    when = _parse_dmy(*found[0])
    if when is None:
        return []
    month = MONTHS[when.month - 1]
    forms = [f"{when.day} {month}", f"{month} {when.day}"]
    if month != month[:3]:
        forms += [f"{when.day} {month[:3]}", f"{month[:3]} {when.day}"]
    if dateline is not None:
        before = (dateline - when).days
        if before == 0:
            forms += ["TODAY", "THIS MORNING", "THIS AFTERNOON", "TONIGHT"]
        elif before == 1:
            forms += ["YESTERDAY", "LAST NIGHT"]
        if 0 < before < 7:
            forms.append(WEEKDAYS[when.weekday()])
    return forms


def place_names(slot: str | None) -> list[str]:
    """Place names in a slot 3 location, country first.

    >>> place_names("COLOMBIA: CUCUTA (CITY) - CAMPANARIO (RURAL AREA)")
    ['COLOMBIA', 'CUCUTA', 'CAMPANARIO']
    """
    names = []
    for part in re.split(r":|\s-\s|/", slot or ""):
        name = re.sub(r"\([^)]*\)|[\"?*]", " ", part).strip(" -")
        if name and name not in names:
            names.append(" ".join(name.split()))
    return names


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


def _victims(template: dict[str, Any]) -> list[tuple[str, list[str], list[str], str | None]]:
    """(label, strings naming the victim, titles of a named victim, key count) per DEATH/INJURY victim."""
    out = []
    for effect in template.get("hum_tgt_effect", []):
        label = effect_label(effect.get("prefix"))
        strings = list(effect.get("strings") or [])
        if label is None or not strings:
            continue
        titles = [t for entry in template.get("hum_tgt_description", [])  # "MAYOR OF ACHI": "RICARDO ..."
                  if set(entry.get("strings") or []) & set(strings)
                  for t in entry["strings"] if t not in strings]
        count = next((n.get("prefix") for n in template.get("hum_tgt_number", [])
                      if set(n.get("strings") or []) & set(strings)), None)
        out.append((label, strings, titles, count))
    return out


def _linked_perpetrators(template: dict[str, Any]) -> list[tuple[list[str], bool]]:
    """Perpetrator fillers and whether a casualty links to them (not for organisations only POSSIBLE)."""
    fillers = [(list(p.get("strings") or []), True) for p in template.get("perp_individual", [])]
    for org in template.get("perp_organization", []):
        strings = list(org.get("strings") or [])
        confidences = {c.strip(" ?()") for conf in template.get("perp_org_confidence", [])
                       if set(conf.get("strings") or []) & set(strings)
                       for c in (conf.get("prefix") or "").split("/")}
        fillers.append((strings, not confidences or bool(confidences - {"POSSIBLE", "ACQUITTED"})))
    return [(s, link) for s, link in fillers if s]


def _add_template(spans: _Spans, template: dict[str, Any], dateline: date | None) -> None:
    actors = [(spans.add_mentions(strings, "ACTOR"), link, strings)
              for strings, link in _linked_perpetrators(template)]
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
    for label, strings, titles, count in _victims(template):
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
    dmy = _DMY.search(text, 0, body_start)
    spans = _Spans(text, body_start)
    for template in templates:
        _add_template(spans, template, _parse_dmy(*dmy.groups()) if dmy else None)
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
