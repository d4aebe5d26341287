"""How the corpus's own annotation of real text compares with the datasets' gold: a cross-check.

The real items were annotated from the text under ``data/GUIDELINES.md``; MUC-4's answer keys and
re3d's entities were never a source of spans. They annotate other things (MUC-4 templates only
terrorist incidents, so combatants killed in clashes have no template; re3d has its own types), so
disagreement is expected; the rates below say how much, and where.

- **MUC-4**: each victim of an answer-key template with a DEATH or INJURY effect, in the documents
  the corpus annotated: does a casualty span of ours name it (overlaps an occurrence of one of the
  key's strings), with the same killed/injured type, and, where the key gives a number, the same
  normalized count? And how many of our casualty spans name no key victim at all.
- **re3d**: exact-span agreement of our LOCATION with re3d's ``Location``, our WEAPON with
  ``Weapon``, and our ACTOR or SOURCE spans overlapping re3d's ``Organisation`` or ``Person``.

``toll-data crosscheck [--update data/README.md]`` prints the table; it reads the keys and re3d
from the datasets folder and prints no text.
"""

from __future__ import annotations

import json
import re
from collections import Counter

from toll.models.counts import normalize_count
from toll.models.text.document import Document
from toll.models.scoring import prf
from toll.training.corpus.readers.locate import dataset_root
from toll.training.corpus.readers.muc4_slots import victims as _victims
from toll.training.corpus.readers.re3d import read_re3d

CASUALTY = {"KILLED", "INJURED", "CASUALTIES"}


def _occurrences(text: str, phrase: str) -> list[tuple[int, int]]:
    pattern = r"\b" + r"\s+".join(map(re.escape, phrase.split())) + r"\b"
    return [(m.start(), m.end()) for m in re.finditer(pattern, text, re.IGNORECASE)]


def muc4_crosscheck(docs: dict[str, Document]) -> dict:
    """Agreement counts between our casualty spans and the MUC-4 keys' DEATH/INJURY victims."""
    keys = {}
    path = dataset_root("muc4") / "muc4_templates_with_casualties.jsonl"
    for line in path.read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        keys[record["docid"]] = record["templates"]
    c: Counter = Counter()
    for doc in docs.values():
        source_id = doc.meta.get("data", {}).get("id")
        if doc.meta.get("data", {}).get("origin") != "muc4" or source_id not in keys:
            continue
        c["documents"] += 1
        ours = [e for e in doc.entities if e.label in CASUALTY]
        named = set()
        for template in keys[source_id]:
            for label, strings, titles, count in _victims(template):
                c["key_victims"] += 1
                places = [o for s in strings + titles for o in _occurrences(doc.text, s)]
                hits = [e for e in ours if any(e.start < b and a < e.end for a, b in places)]
                if not hits:
                    continue
                c["found"] += 1
                named.update(e.id for e in hits)
                if any(e.label == label or "CASUALTIES" in (e.label, label) for e in hits):
                    c["same_type"] += 1
                if count and count.isdigit():
                    c["key_counts"] += 1
                    if any(normalize_count(doc.span_text(e))["value"] == int(count) for e in hits):
                        c["same_count"] += 1
        c["our_spans"] += len(ours)
        c["our_spans_naming_no_key_victim"] += sum(e.id not in named for e in ours)
    return dict(c)


def re3d_crosscheck(docs: dict[str, Document]) -> dict[str, dict]:
    """Exact-span F1 for LOCATION/Location and WEAPON/Weapon; overlap F1 for ACTOR+SOURCE/Org+Person."""
    ours_by_source = {d.meta.get("data", {}).get("id"): d for d in docs.values()
                      if str(d.meta.get("data", {}).get("origin", "")).startswith("re3d/")}
    pairs = {"LOCATION / Location": ({"LOCATION"}, {"Location"}, "exact"),
             "WEAPON / Weapon": ({"WEAPON"}, {"Weapon"}, "exact"),
             "ACTOR or SOURCE / Organisation or Person": ({"ACTOR", "SOURCE"}, {"Organisation", "Person"}, "overlap")}
    totals = {name: [0, 0, 0] for name in pairs}
    for gold in read_re3d(dataset_root("re3d")):
        ours = ours_by_source.get(gold.id)
        if ours is None or ours.text.rstrip() != gold.text.rstrip():
            continue
        for name, (mine, theirs, mode) in pairs.items():
            a = [(e.start, e.end) for e in ours.entities if e.label in mine]
            b = [(e.start, e.end) for e in gold.entities if e.label in theirs]
            if mode == "exact":
                tp = len(set(a) & set(b))
                fp, fn = len(set(a)) - tp, len(set(b)) - tp
            else:
                tp = sum(any(x < d and c < y for c, d in b) for x, y in a)
                fp = len(a) - tp
                fn = sum(not any(x < d and c < y for x, y in a) for c, d in b)
            t = totals[name]
            t[0] += tp; t[1] += fp; t[2] += fn
    return {name: prf(*t) for name, t in totals.items()}


def crosscheck_markdown(muc: dict, re3d: dict[str, dict]) -> str:
    def share(a, b):
        return f"{muc.get(a, 0)} of {muc.get(b, 0)} ({muc.get(a, 0) / muc[b]:.0%})" if muc.get(b) else "-"
    rows = [
        ("MUC-4 key victims (DEATH/INJURY) named by one of our casualty spans", share("found", "key_victims")),
        ("... of those, with the same killed/injured type", share("same_type", "found")),
        ("... key victims with a number whose count our span gives exactly", share("same_count", "key_counts")),
        ("our MUC-4 casualty spans that name no key victim (clashes, combatants: not templated)",
         share("our_spans_naming_no_key_victim", "our_spans")),
    ]
    rows += [(f"re3d {name}: F1 (P, R)", f"{v['f1']:.3f} ({v['precision']:.3f}, {v['recall']:.3f})")
             for name, v in re3d.items()]
    return (f"{muc.get('documents', 0)} MUC-4 stories and the re3d documents of the corpus.\n\n"
            "| what | agreement |\n|---|---|\n" + "\n".join(f"| {a} | {b} |" for a, b in rows))
