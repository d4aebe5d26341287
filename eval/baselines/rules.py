"""The rule baseline: regular expressions a practitioner would write in an afternoon.

Casualty figures are a count (digits, number words, "dozens of", "at least N") with up to three
modifiers and a people noun, or a bare count next to a cue ("wounding 18", "12 dead"), with a
killed/injured cue in the same sentence; the label comes from the cue attached to the figure
("... were killed", "killing ..."), else its head noun ("38 wounded"), else the nearest cue within
``MAX_GAP`` characters (:func:`figure_kind`). A sentence with a negation or hypothetical cue ("no
one", "could have") gives no figure at all. The other labels come from word lists and "X said" /
"according to X" patterns. Each casualty span links to the nearest entity of every other type in
its sentence.

>>> rec = RuleBaseline().predict_text("A car bomb killed at least seven soldiers in Ghazni "
...                                   "on Monday, police said.")
>>> [(e["label"], e["text"]) for e in rec["entities"]]
[('WEAPON', 'A car bomb'), ('KILLED', 'at least seven soldiers'), ('LOCATION', 'Ghazni'), ('DATE', 'Monday'), ('SOURCE', 'police')]
>>> c = rec["casualties"][0]
>>> c["count"]["value"], c["sources"], c["locations"], c["dates"], c["weapons"]
(7, ['police'], ['Ghazni'], ['Monday'], ['A car bomb'])
"""

from __future__ import annotations

import re
from typing import Iterable, Iterator

from toll.models.text.document import Document, Entity, Relation
from toll.models.inference.records import Prediction, casualty_records, toll_groups
from toll.models.text.schema import Schema
from toll.models.text.sentences import sentence_index, sentence_spans

MAX_GAP = 60  # characters between a count and its cue word

_QUAL = (r"(?i:(?:at least|more than|over|about|around|nearly|almost|some|up to|as many as|an estimated|"
         r"approximately|roughly|fewer than|less than|at most|another)\s+)?")
_NUMWORD = (r"(?i:(?:twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety)(?:-(?:one|two|three|four|five|six|"
            r"seven|eight|nine))?|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|"
            r"fourteen|fifteen|sixteen|seventeen|eighteen|nineteen|a dozen|several|a few|"
            r"(?:dozens|hundreds|thousands|scores)(?:\s+of)?)")
COUNT = rf"\b{_QUAL}(?:\d{{1,3}}(?:,\d{{3}})+|\d+|{_NUMWORD})(?![\w%:-]|[.,]\d)"
_MODIFIERS = r"(?:(?!(?:on|in|at|by|of|and|or|were|was|had|have|to|the|from|for|with|said)\b)[A-Za-z][\w'-]*\s+){0,3}?"
_NOUNS = (r"(?:people|persons|civilians|soldiers|troops|policemen|police officers|police|officers|fighters|"
          r"militants|rebels|insurgents|children|women|men|boys|girls|students|workers|villagers|residents|"
          r"worshippers|passengers|others|bodies|members|personnel|guards|militiamen|gunmen|attackers|"
          r"pilgrims|protesters|demonstrators|refugees|journalists|casualties|deaths)\b")
# "dead", "wounded", "injured", "more" end the phrase only where no people noun follows them:
# "120 wounded people", "six more people" are whole phrases, "12 dead" and "six more" are too.
_PEOPLE = rf"(?:{_NOUNS}|(?:dead|wounded|injured|more)\b(?!\s+{_NOUNS}))"
_SINGULAR = r"(?:soldier|policeman|police officer|civilian|woman|man|child|boy|girl|journalist|guard|fighter|militant)\b"
CASUALTY_NP = re.compile(
    rf"{COUNT}\s+(?:{_MODIFIERS}{_PEOPLE}|of\s+(?:them|the\s+(?:dead|wounded|injured|victims))\b)"
    rf"|\b(?:[Aa]n?|[Oo]ne)\s+{_MODIFIERS}{_SINGULAR}")
BARE_COUNT = re.compile(COUNT)
_CUE_BEFORE = re.compile(r"(?i:killing|killed|wounding|wounded|injuring|injured|toll\s+(?:\w+\s+){0,3}?"
                         r"(?:to|at|of|reached|was))\s+$")
_CUE_AFTER = re.compile(r"\s+(?:(?:were|was|had been|have been|are)\s+)?(?:killed|dead|died|wounded|injured|hurt)\b")
_BARE_END = re.compile(r"\s*(?:[,.;:)\"]|$)|\s+(?:and|or|in|on|at|during|when|while|after)\b")

# Named groups: casualties first, so "killed or wounded" is one casualties cue; "shot dead" is
# killed, a bare "shot" casualties (GUIDELINES); "other" cues (arrested, missing) veto a figure.
_CUES = (("casualties", r"casualties|killed (?:or|and) (?:wounded|injured)|dead (?:and|or) (?:wounded|injured)"),
         ("killed", r"shot dead|kill(?:ed|ing|s)?|dead|died|deaths?|bodies|slain|executed|massacred|beheaded|"
                    r"lost their lives|killings?"),
         ("injured", r"wound(?:ed|ing|s)?|injur(?:ed|ing|ies|y)|hurt"),
         ("casualties", r"shot"),
         ("other", r"arrested|detained|kidnapped|abducted|displaced|missing|evacuated|released|deployed|"
                   r"rescued|captured|fled"))
CUE = re.compile("|".join(rf"(?P<{kind}{i}>\b(?i:{p})\b)" for i, (kind, p) in enumerate(_CUES)))
HEAD_KIND = {"deaths": "killed", "dead": "killed", "bodies": "killed", "wounded": "injured",
             "injured": "injured", "casualties": "casualties"}
# "... were killed and 11 wounded", "left 12 dead": the adjective is the predicate, outside the
# span (GUIDELINES); the bare count is the figure.
_COUNT_AND_PREDICATE = re.compile(rf"{COUNT}\s+(?:dead|wounded|injured)")
_PREDICATE_BEFORE = re.compile(r"(?i:\b(?:were|was|been|are)\s+(?:\w+\s+)?(?:killed|wounded|injured|hurt)\s+and|"
                               r"\bleft)\s+$")
NEGATED = re.compile(r"(?i)\b(?:no one|nobody|no casualties|no deaths|no injuries|could have|would have|plot to)\b")

_DAY = r"(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)"
_MONTH = r"(?:January|February|March|April|June|July|August|September|October|November|December)"
DATE = re.compile(
    rf"\b(?:(?:late|early) )?{_DAY}(?: (?:morning|afternoon|evening|night))?\b"
    rf"|\b(?:\d{{1,2}} )?(?:{_MONTH}|May(?= \d))(?: \d{{1,2}}\b)?(?:,? (?:19|20)\d\d\b)?"
    r"|\b(?:last|this|next|the past|the same) (?:week|weekend|month|year|night|period)\b"
    r"|\b(?:(?:shortly )?before dawn|dawn|nightfall|midnight|overnight|yesterday)\b"
    r"|(?<=\bin )(?:19|20)\d\d\b|\b(?:around )?\d{1,2}(?::\d\d)? ?[ap]\.m\.")

_SRC_NOUN = (r"(?:police|officials?|spokes(?:man|woman|person)|witnesses|residents|doctors|medics|sources|"
             r"statement|report|ministry|army|military|government|group|survivors|villagers|monitors|"
             r"authorities|agency|commander|governor|hospital)")
_SRC_MOD = r"(?:(?:local|provincial|security|hospital|health|military|government|medical|police|army|senior|district|aid|rights)\s+)"
_CAP = r"(?:(?:[A-Z]\.){2,}|[A-Z][\w'&-]*)"
_CAPS = rf"{_CAP}(?:\s+(?:of\s+(?:the\s+)?)?{_CAP})*"
_SRC_NP = rf"(?:(?:[Tt]he|[Aa]n?)\s+)?(?:{_CAPS}(?:\s+{_SRC_NOUN})?|{_SRC_MOD}{{0,2}}{_SRC_NOUN})"
SOURCE = re.compile(rf"{_SRC_NP}(?=,?\s+(?:said|says|told|reported|added|confirmed|stated|announced)\b)"
                    rf"|(?<=\baccording to ){_SRC_NP}|(?<=\bsaid ){_CAPS}")
# Leading words that a capitalized run picks up but that are not part of a reporter's name.
_NOT_SOURCE = re.compile(rf"^(?:(?:On|In|At|But|And|Also|Earlier|Later|Meanwhile|However|After|Before|While|When|"
                         rf"{_DAY}|{_MONTH})\s+)+")
_PRONOUNS = {"He", "She", "It", "They", "We", "I", "This", "That", "There"}

WEAPON = re.compile(
    r"\b(?:(?:[Aa]n?|[Tt]he)\s+)?(?i:suicide car bomb|car bomb|roadside bomb|suicide bombings?|suicide attacks?|"
    r"bombs?|air ?strikes?|mortar (?:fire|shells|bombs|rounds)|mortars?|artillery(?: fire| shelling)?|shelling|"
    r"shells?|rocket-propelled grenades?|rockets?|grenades?|improvised explosive devices?|landmines?|drones?|"
    r"missiles?|gunfire|machetes?|sniper fire|explosives?|helicopter gunships|warplanes|barrel bombs|"
    r"explosive vests?)\b|\bIEDs?\b")
# A suicide bomber who acts is an ACTOR (GUIDELINES v2.1), so he is here, not among the weapons.
ACTOR = re.compile(
    r"\b(?:(?:[Tt]he|[Ii]ts|[Tt]heir)\s+)?(?:(?:[A-Z][\w-]+|pro-government|government|security|coalition|"
    r"international|foreign|rebel|special|armed|opposition)\s+)?(?i:forces|troops|police|army|military|"
    r"militants?|rebels|insurgents|gunmen|militias?|militiamen|guerrillas|jihadists|attackers|government|"
    r"fighters|soldiers|(?:a )?suicide bombers?)\b"
    r"|\b(?:[Tt]he )?(?:Taliban|Islamic State(?: group)?|al-Qaeda|al-Shabaab|Boko Haram|Hamas|Hezbollah|ETA|PKK|NATO)\b")
_PLACE_WORDS = r"(?:city|town|village|area|capital|country|camp|market|region|province|district|border)"
LOCATION = re.compile(rf"\b(?:in|at|near|outside)\s+(?P<place>the {_PLACE_WORDS}\b|(?!{_DAY}|{_MONTH}|The\b)"
                      rf"[A-Z][\w'-]+(?:\s+[A-Z][\w'-]+)*(?:\s+{_PLACE_WORDS}\b)?)")
DATELINE = re.compile(r"^\s*[A-Z][A-Z .'-]+,[^\n]{0,40}?\s[-\u2013\u2014]\s")  # "KABUL, July 14 - " is never marked

# Lower number wins an overlap (GUIDELINES: casualty labels, absent here, win; then the longer span).
PRIORITY = {"DATE": 1, "SOURCE": 2, "WEAPON": 3, "ACTOR": 4, "LOCATION": 5}
OTHER_PATTERNS = (("DATE", DATE), ("SOURCE", SOURCE), ("WEAPON", WEAPON), ("ACTOR", ACTOR), ("LOCATION", LOCATION))


def _gap(a: tuple[int, int], b: tuple[int, int]) -> int:
    return max(b[0] - a[1], a[0] - b[1], 0)


def casualty_spans(text: str, sentences: list[tuple[int, int]], schema: Schema) -> list[tuple[int, int, str]]:
    """``(start, end, label)`` of casualty figures, possibly overlapping (resolved by the caller).

    >>> text = "Gunmen killed two civilians and wounded 18. No one was hurt in Kabul."
    >>> [(text[s:e], label) for s, e, label in casualty_spans(text, sentence_spans(text), Schema.load())]
    [('two civilians', 'KILLED'), ('18', 'INJURED')]
    """
    label_of = {schema.casualty_kind(label): label for label in schema.casualty_labels}
    out = []
    for s0, s1 in sentences:
        sent = text[s0:s1]
        if NEGATED.search(sent):
            continue
        cues = [(m.span(), m.lastgroup.rstrip("0123456789")) for m in CUE.finditer(sent)]
        found = [m.span() for m in CASUALTY_NP.finditer(sent)
                 if not (_COUNT_AND_PREDICATE.fullmatch(m.group()) and _PREDICATE_BEFORE.search(sent[: m.start()]))]
        for m in BARE_COUNT.finditer(sent):
            if (_CUE_BEFORE.search(sent[: m.start()]) or _CUE_AFTER.match(sent, m.end())) and \
                    (_BARE_END.match(sent, m.end()) or _CUE_AFTER.match(sent, m.end())):
                found.append(m.span())
        for span in found:
            kind = figure_kind(sent, span, cues)
            if kind in label_of:
                out.append((s0 + span[0], s0 + span[1], label_of[kind]))
    return out


def figure_kind(sent: str, span: tuple[int, int], cues: list[tuple[tuple[int, int], str]]) -> str | None:
    """Killed, injured, casualties (or a vetoing "other") for the figure ``sent[span[0]:span[1]]``:
    the cue attached to it ("... were killed", "killing ..."), else its head noun ("12 dead"),
    else the nearest cue within ``MAX_GAP`` characters.

    >>> sent = "Three soldiers were wounded and eight attackers were killed."
    >>> cues = [(m.span(), m.lastgroup.rstrip("0123456789")) for m in CUE.finditer(sent)]
    >>> span = (sent.index("eight"), sent.index(" were killed"))
    >>> figure_kind(sent, span, cues)   # "wounded" is one character nearer, but not attached
    'killed'
    """
    after = _CUE_AFTER.match(sent, span[1])
    before = _CUE_BEFORE.search(sent[: span[0]])
    for region in ((after.start(), after.end()) if after else None, (before.start(), span[0]) if before else None):
        attached = [k for c, k in cues if region and region[0] <= c[0] and c[1] <= region[1]]
        if attached:
            return attached[0]
    words = sent[span[0]:span[1]].split()
    kind = HEAD_KIND.get(words[-1].lower()) if len(words) > 1 else None
    if kind is None:
        near = [(_gap(span, c), k) for c, k in cues if _gap(span, c) <= MAX_GAP]
        kind = min(near)[1] if near else None
    return kind


def other_spans(text: str) -> list[tuple[int, int, str]]:
    """``(start, end, label)`` of dates, sources, weapons, actors and locations (may overlap)."""
    out = []
    for label, pattern in OTHER_PATTERNS:
        for m in pattern.finditer(text):
            start, end = m.span(m.lastgroup) if m.lastgroup else m.span()  # LOCATION: without "in"
            if label == "SOURCE":
                start += len(_NOT_SOURCE.match(text[start:end]).group()) if _NOT_SOURCE.match(text[start:end]) else 0
                if start >= end or text[start:end] in _PRONOUNS:
                    continue
            out.append((start, end, label))
    return out


def flatten(spans: list[tuple[int, int, str]], text: str = "") -> list[Entity]:
    """Non-overlapping entities ``T1``.. in text order: higher priority, then longer spans win;
    nothing inside the dateline."""
    dateline = DATELINE.match(text)
    cut = dateline.end() if dateline else 0
    ranked = sorted(spans, key=lambda s: (PRIORITY.get(s[2], 0), s[0] - s[1], s[0]))
    kept: list[tuple[int, int, str]] = []
    for s in ranked:
        if s[0] >= cut and all(s[1] <= k[0] or k[1] <= s[0] for k in kept):
            kept.append(s)
    return [Entity(f"T{i}", s, e, label, 1.0) for i, (s, e, label) in enumerate(sorted(kept), 1)]


def link_nearest(entities: list[Entity], sentences: list[tuple[int, int]], schema: Schema) -> list[Relation]:
    """Each casualty span -> the nearest entity of each other label in its sentence."""
    def sent(e: Entity) -> int:
        return sentence_index(sentences, e.start)
    relations = []
    for head in entities:
        if head.label not in schema.casualty_labels:
            continue
        best: dict[str, tuple[int, Entity]] = {}
        for tail in entities:
            rels = schema.relations_between(head.label, tail.label)
            if tail is head or not rels or sent(tail) != sent(head):
                continue
            gap = _gap((head.start, head.end), (tail.start, tail.end))
            if rels[0] not in best or gap < best[rels[0]][0]:
                best[rels[0]] = (gap, tail)
        relations += [Relation(head.id, tail.id, label, 1.0) for label, (_, tail) in sorted(best.items())]
    return relations


def assemble(doc: Document, entities: list[Entity], relations: list[Relation], schema: Schema,
             sentences: list[tuple[int, int]]) -> Prediction:
    """A :class:`Prediction` with casualty records built exactly as the trained pipeline builds them."""
    pred = doc.with_annotations(entities, relations)
    records = casualty_records(pred, schema, sentences)
    return Prediction(pred, records, toll_groups(records))


class RuleBaseline:
    """Regular-expression entities and nearest-mention relations, with the pipeline's interface."""

    name = "rules"

    def __init__(self, schema: Schema | None = None):
        self.schema = schema or Schema.load()

    def entities(self, text: str, sentences: list[tuple[int, int]]) -> list[Entity]:
        return flatten(casualty_spans(text, sentences, self.schema) + other_spans(text), text)

    def predict_documents(self, docs: Iterable[Document], chunk_size: int = 64, min_score: float | None = None,
                          entities_given: bool = False) -> Iterator[Prediction]:
        """Like :meth:`toll.models.inference.pipeline.Pipeline.predict_documents`; scores are all 1.0, so
        ``min_score`` and ``chunk_size`` change nothing."""
        for doc in docs:
            sentences = sentence_spans(doc.text)
            ents = list(doc.entities) if entities_given else self.entities(doc.text, sentences)
            yield assemble(doc, ents, link_nearest(ents, sentences, self.schema), self.schema, sentences)

    def predict_text(self, text: str, doc_id: str = "0") -> dict:
        return next(self.predict_documents([Document(doc_id, text)])).to_record()
