"""Judging the model's casualty records against a case's expectation.

The rules, exactly:

- **Texts are compared normalized**: spacing collapsed, case folded, and quotes and punctuation
  stripped from both ends (``"the Taliban,"`` reads ``the taliban``).
- **A figure matches a record** when the type is the same (``killed``, ``injured``,
  ``casualties``), the record's span text equals one of the figure's accepted texts, and, when the
  figure gives a ``count``, the record's ``count.value`` equals it. Records and figures pair one to
  one.
- **The figures are exhaustive**: a record that matches no figure fails the case (a false figure);
  ``no_casualty: true`` means no record at all.
- **Links are judged on the matched record**, leniently on span edges: ``perpetrator: Boko Haram``
  passes when one of the record's perpetrators contains ``boko haram`` as whole words
  (``Boko Haram fighters`` does); ``not_perpetrator: X`` fails when one of them does. The same for
  ``source``, ``location``, ``date`` and ``weapon``.
- **A minimal pair** passes when both texts pass; **an invariance** passes when the plain and the
  prefixed text both pass and their records, as (type, count, span text, offset after the prefix),
  are the same set.

A case passes when nothing is wrong. An example on hand-made records (what
``Pipeline.predict_texts`` returns under ``"casualties"``)::

>>> from toll.eval.behaviour.cases import Expect
>>> expect = Expect.model_validate({"casualties": [
...     {"type": "killed", "text": "seven soldiers", "count": 7, "perpetrator": "Boko Haram"}]})
>>> record = {"type": "killed", "text": "Seven soldiers", "count": {"value": 7}, "start": 0,
...           "perpetrators": ["Boko Haram fighters"]}
>>> expectation_problems(expect, [record])
[]
>>> expectation_problems(expect, [{**record, "perpetrators": []}])
["killed 'seven soldiers' (7): no perpetrator 'Boko Haram' (linked: none)"]
>>> expectation_problems(expect, [{**record, "type": "injured"}, {**record, "text": "12 others",
...                                "count": {"value": 12}}])
["killed 'seven soldiers' (7): the model says injured 'Seven soldiers' (7)", "extra killed '12 others' (12)"]
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Mapping

from toll.eval.behaviour.cases import SLOTS, Case, Expect, Figure
from toll.models.inference.records import SLOTS as RECORD_SLOTS  # relation -> record key ("perpetrators")

_EDGE = "\"'“”‘’.,;:!?()[]{}«» \t\n"


def normalize(text: str) -> str:
    """``'  "The  Taliban,"'`` -> ``'the taliban'``.

    >>> normalize('  "The  Taliban,"')
    'the taliban'
    """
    return " ".join(text.split()).strip(_EDGE).casefold()


def contains(tail: str, wanted: str) -> bool:
    """Whether ``wanted`` occurs in ``tail`` as whole words, normalized.

    >>> contains("Boko Haram fighters", "boko haram"), contains("Harar", "Hara")
    (True, False)
    """
    return re.search(rf"(?<!\w){re.escape(normalize(wanted))}(?!\w)", normalize(tail)) is not None


def count_value(record: dict) -> int | None:
    count = record.get("count")
    return count.get("value") if isinstance(count, dict) else None


def describe(record: dict) -> str:
    """``killed 'seven soldiers' (7)``; the count is ``?`` when the reader found none."""
    value = count_value(record)
    return f"{record['type']} {record['text']!r} ({'?' if value is None else value})"


def describe_figure(fig: Figure) -> str:
    return f"{fig.type} {fig.text[0]!r}" + ("" if fig.count is None else f" ({fig.count})")


def _matches(fig: Figure, record: dict, with_type_and_count: bool = True) -> bool:
    if normalize(record["text"]) not in {normalize(t) for t in fig.text}:
        return False
    return not with_type_and_count or (record["type"] == fig.type
                                       and (fig.count is None or count_value(record) == fig.count))


def link_problems(fig: Figure, record: dict) -> list[str]:
    """What is wrong with a matched record's links (missing wanted ones, present unwanted ones)."""
    problems = []
    for slot in SLOTS:
        linked = record.get(RECORD_SLOTS[slot], [])
        shown = ", ".join(repr(t) for t in linked) or "none"
        for wanted in getattr(fig, slot):
            if not any(contains(tail, wanted) for tail in linked):
                problems.append(f"{describe_figure(fig)}: no {slot} {wanted!r} (linked: {shown})")
        for unwanted in getattr(fig, f"not_{slot}"):
            if any(contains(tail, unwanted) for tail in linked):
                problems.append(f"{describe_figure(fig)}: linked to {unwanted!r} as {slot}, which is wrong")
    return problems


def expectation_problems(expect: Expect, records: list[dict]) -> list[str]:
    """Everything wrong with one text's casualty records against its expectation ([] = pass)."""
    problems: list[str] = []
    left = list(range(len(records)))
    for fig in expect.casualties:
        exact = [i for i in left if _matches(fig, records[i])]
        if exact:
            best = min(exact, key=lambda i: len(link_problems(fig, records[i])))
            left.remove(best)
            problems.extend(link_problems(fig, records[best]))
            continue
        same_span = [i for i in left if _matches(fig, records[i], with_type_and_count=False)]
        if same_span:
            left.remove(same_span[0])
            problems.append(f"{describe_figure(fig)}: the model says {describe(records[same_span[0]])}")
        else:
            problems.append(f"missed {describe_figure(fig)}")
    problems.extend(f"extra {describe(records[i])}" for i in left)
    return problems


def invariance_key(record: dict, shift: int = 0) -> tuple:
    return record["type"], count_value(record), record["text"], record["start"] - shift


def invariance_problems(plain: list[dict], prefixed: list[dict], shift: int) -> list[str]:
    """What the prefix changed: records found only with it, or only without it."""
    before = {invariance_key(r) for r in plain}
    after = {invariance_key(r, shift) for r in prefixed}
    show = lambda keys: ", ".join(f"{t} {s!r} ({'?' if v is None else v}) at {o}" for t, v, s, o in sorted(keys, key=str))
    problems = []
    if after - before:
        problems.append(f"changed by the prefix: only with it: {show(after - before)}")
    if before - after:
        problems.append(f"changed by the prefix: only without it: {show(before - after)}")
    return problems


@dataclass
class Verdict:
    """One case judged: what was wrong (nothing when it passed) and what the model said per text."""

    capability: str
    case_id: str
    template: str
    kind: str
    problems: list[str] = field(default_factory=list)
    said: list[dict] = field(default_factory=list)  # [{"text": ..., "casualties": [summary, ...]}]

    @property
    def passed(self) -> bool:
        return not self.problems


def summary(record: dict) -> str:
    """A record in one line: ``killed 'four officers' (4); perpetrator: 'Boko Haram'``."""
    links = [f"{slot}: {', '.join(repr(t) for t in record.get(key, []))}"
             for slot, key in RECORD_SLOTS.items() if record.get(key)]
    return "; ".join([describe(record)] + links)


def judge_case(capability: str, case: Case, predictions: Mapping[str, list[dict]]) -> Verdict:
    """Judge one case; ``predictions`` maps each of ``case.texts()`` to its casualty records."""
    texts = case.texts()
    verdict = Verdict(capability, case.id, case.template, case.kind,
                      said=[{"text": t, "casualties": [summary(r) for r in predictions[t]]} for t in texts])
    first = expectation_problems(case.expect, predictions[texts[0]])
    if case.pair:
        second = expectation_problems(case.pair.expect, predictions[texts[1]])
        verdict.problems = [f"text 1: {p}" for p in first] + [f"text 2: {p}" for p in second]
    elif case.prefix:
        with_prefix = expectation_problems(case.expect, predictions[texts[1]])
        verdict.problems = ([f"without the prefix: {p}" for p in first] + [f"with the prefix: {p}" for p in with_prefix]
                            + invariance_problems(predictions[texts[0]], predictions[texts[1]], len(case.prefix)))
    else:
        verdict.problems = first
    return verdict
