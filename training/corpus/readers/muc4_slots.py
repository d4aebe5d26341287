"""What a MUC-4 answer-key template says, slot by slot: effects, dates, places, victims, perpetrators.

Pure functions of the parsed slots (no article text); :mod:`toll.training.corpus.readers.muc4_keys`
locates what they name in the article.

>>> template = {"hum_tgt_effect": [{"prefix": "DEATH", "strings": ["PEASANTS"]}],
...     "hum_tgt_number": [{"prefix": "6", "strings": ["PEASANTS"]}], "hum_tgt_description": [],
...     "perp_individual": [{"strings": ["SUBVERSIVES"]}], "perp_organization": [{"strings": ["FMLN"]}],
...     "perp_org_confidence": [{"prefix": "POSSIBLE", "strings": ["FMLN"]}]}
>>> victims(template)
[('KILLED', ['PEASANTS'], [], '6')]
>>> linked_perpetrators(template)
[(['SUBVERSIVES'], True), (['FMLN'], False)]
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

MONTHS = ("JANUARY FEBRUARY MARCH APRIL MAY JUNE JULY AUGUST SEPTEMBER OCTOBER NOVEMBER DECEMBER").split()
WEEKDAYS = "MONDAY TUESDAY WEDNESDAY THURSDAY FRIDAY SATURDAY SUNDAY".split()
DMY = re.compile(r"\b(\d{1,2}) ([A-Z]{3}) (\d{2})\b")  # "08 JAN 90", in slot 2 and in datelines


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


def parse_dmy(day: str, month: str, year: str) -> date | None:
    """The groups of a :data:`DMY` match as a date (None for an impossible one).

    >>> parse_dmy(*DMY.search("LIMA, 9 JAN 90 --").groups()), parse_dmy("31", "FEB", "90")
    (datetime.date(1990, 1, 9), None)
    """
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
    found = DMY.findall(slot or "")
    if len(found) != 1 or "-" in slot:
        return []
    when = parse_dmy(*found[0])
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


def victims(template: dict[str, Any]) -> list[tuple[str, list[str], list[str], str | None]]:
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


def linked_perpetrators(template: dict[str, Any]) -> list[tuple[list[str], bool]]:
    """Perpetrator fillers and whether a casualty links to them (not for organisations only POSSIBLE)."""
    fillers = [(list(p.get("strings") or []), True) for p in template.get("perp_individual", [])]
    for org in template.get("perp_organization", []):
        strings = list(org.get("strings") or [])
        confidences = {c.strip(" ?()") for conf in template.get("perp_org_confidence", [])
                       if set(conf.get("strings") or []) & set(strings)
                       for c in (conf.get("prefix") or "").split("/")}
        fillers.append((strings, not confidences or bool(confidences - {"POSSIBLE", "ACQUITTED"})))
    return [(s, link) for s, link in fillers if s]
