"""Count normalization measured: exact match against MUC-4's answer keys, and on the phrase table.

``python -m toll.eval.benchmarks.counts [--baseline PATH] [--table PATH]``

**MUC-4 answer keys.** ``muc4_templates_with_casualties.jsonl`` (``$TOLL_DATASETS/muc4`` or
``../shared/datasets/muc4``, :func:`toll.training.corpus.readers.locate.dataset_root`), the documents of GTT's
train folder (``record["split"] == "dev"``). Each victim of a key template whose number (slot 21,
``HUM TGT: NUMBER``) is a plain integer is one key (the same victim and number in two templates of
one document count once). A key is *aligned* when one of its victim strings occurs in the body
(after the dateline and the bracketed notes), whole words, any case; its phrase is that occurrence
widened leftwards over the count words right before it (:func:`widen`: "AT LEAST SIX", "THE TWO",
"DOZENS OF"), preferring an occurrence that has a number in front of it, then the first one. A key
is an *exact match* when ``normalize_count(phrase)["value"]`` equals the key's number. Keys the
alignment cannot place are counted, not guessed; the alignment is the same for every normalizer
measured, so before and after differ only by the normalizer.

**Phrase table.** ``tests/counts_phrases.yaml``, the table the tests check: a row matches when
value, low, high and qualifier are all equal.

``--baseline PATH`` measures another version of ``models/counts.py`` beside the current one
(``git show HEAD:models/counts.py > /tmp/counts_before.py``). Only counts are printed: no text
of MUC-4 leaves this process.
"""

from __future__ import annotations

import argparse
import importlib.util
import inspect
import json
import re
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable, Iterator

import yaml

from toll.models.common.errors import CorpusError
from toll.models.counts import normalize_count
from toll.training.corpus.readers.locate import dataset_root
from toll.training.corpus.readers.muc4 import find_all
from toll.training.corpus.readers.muc4_keys import _HEADER

REPO = Path(__file__).resolve().parents[2]
TABLE = REPO / "tests" / "counts_phrases.yaml"
KEYS_FILE = "muc4_templates_with_casualties.jsonl"
TRAIN_SPLIT = "dev"  # GTT's train folder is MUC's DEV set

Normalizer = Callable[[str], dict]

# Words that may stand in front of a victim and belong to its count: numbers, quantifiers,
# qualifiers, determiners ("AT LEAST SIX", "ALL THE", "HALF A DOZEN", "BETWEEN 10 AND 15").
_COUNT_WORDS = set("""
    zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen
    sixteen seventeen eighteen nineteen twenty thirty forty fifty sixty seventy eighty ninety hundred
    thousand million and or to of a an the these those his her their its our my another other all
    both only some several many few number dozen dozens score scores hundreds thousands tens half
    at least most more less fewer than over under up as about around nearly almost approximately
    roughly estimated between no none total further additional remaining plus odd couple pair
""".split())
_NUMERIC = re.compile(r"\d+(?:[,.]\d+)*(?:k|m|s|\+)?", re.I)
# Connectors that end up at the front of a widened phrase without belonging to it ("OF THE SIX").
_DANGLING = {"and", "or", "of", "to", "than", "over", "under"}
_NEEDS_NEXT = {"at": {"least", "most"}, "as": {"many", "much"}, "up": {"to"},
               "more": {"than"}, "less": {"than"}, "fewer": {"than"}}
_HAS_NUMBER = re.compile(r"\d|\b(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|"
                         r"\w+teen|twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety|hundred|"
                         r"thousand|dozens?|scores?|hundreds|thousands|several|few|both)\b", re.I)


def _is_count_word(token: str) -> bool:
    low = token.lower()
    return (low in _COUNT_WORDS or bool(_NUMERIC.fullmatch(low))
            or ("-" in low and all(p in _COUNT_WORDS for p in low.split("-"))))


def widen(text: str, start: int, floor: int = 0) -> int:
    """Where the count in front of ``text[start:]`` begins: ``start`` moved left over count words.

    >>> text = "POLICE SAID THAT AT LEAST SIX OF THE GUARDS DIED"
    >>> text[widen(text, text.index("GUARDS")):]
    'AT LEAST SIX OF THE GUARDS DIED'
    >>> text = "THE MURDER OF THE TWO GUARDS"
    >>> text[widen(text, text.index("GUARDS")):]
    'THE TWO GUARDS'
    """
    tokens = list(re.finditer(r"\S+", text[floor:start]))
    first = len(tokens)
    while first > 0 and _is_count_word(tokens[first - 1].group()):
        first -= 1
    words = [t.group().lower() for t in tokens[first:]]
    while words and (words[0] in _DANGLING or
                     (words[0] in _NEEDS_NEXT and (len(words) < 2 or words[1] not in _NEEDS_NEXT[words[0]]))):
        words.pop(0)
        first += 1
    return floor + tokens[first].start() if first < len(tokens) else start


@dataclass(frozen=True)
class Key:
    doc: str
    number: int
    strings: tuple[str, ...]


def numeric_keys(record: dict) -> list[Key]:
    """The victims of one document's templates whose number is a plain integer, once each."""
    keys = []
    for template in record.get("templates", []):
        for entry in template.get("hum_tgt_number", []):
            prefix = (entry.get("prefix") or "").strip()
            strings = tuple(s for s in entry.get("strings") or [] if s.strip())
            if prefix.isdigit() and strings:
                key = Key(record["docid"], int(prefix), strings)
                if key not in keys:
                    keys.append(key)
    return keys


def align(text: str, strings: Iterable[str], body_start: int) -> tuple[int, int] | None:
    """The phrase of a key's victim in ``text``: an occurrence widened over its count words."""
    best = None
    for s in strings:
        for start, end in find_all(text, s, body_start):
            left = widen(text, start, body_start)
            prefix = text[left:start]
            rank = (2 if _HAS_NUMBER.search(prefix) else 1 if prefix.strip() else 0, -start)
            if best is None or rank > best[0]:
                best = (rank, (left, end))
    return best[1] if best else None


def muc4_phrases(path: Path, split: str = TRAIN_SPLIT) -> tuple[list[tuple[str, int]], Counter]:
    """(phrase, key number) for every aligned key of the split, and the key counts."""
    phrases, counts = [], Counter()
    for line in path.read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        if record.get("split") != split:
            continue
        counts["documents"] += 1
        text = record["text"]
        header = _HEADER.match(text)
        body = header.end() if header else 0
        for key in numeric_keys(record):
            counts["keys"] += 1
            span = align(text, key.strings, body)
            if span is not None:
                counts["aligned"] += 1
                phrases.append((text[span[0] : span[1]], key.number))
    return phrases, counts


def score_keys(phrases: list[tuple[str, int]], normalize: Normalizer) -> Counter:
    c: Counter = Counter()
    for phrase, number in phrases:
        value = normalize(phrase)["value"]
        group = "one" if number == 1 else "more"
        c[f"aligned_{group}"] += 1
        c["unknown"] += value is None
        if value == number:
            c["exact"] += 1
            c[f"exact_{group}"] += 1
    return c


def table_rows(path: Path = TABLE) -> Iterator[tuple[str, str, dict, dict | None]]:
    """(phenomenon, phrase, literal reading, ACLED reading or None) for each row of the phrase table."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    for phenomenon, rows in data.items():
        for row in rows:
            extra = row[5] if len(row) > 5 else {}
            literal = dict(zip(("value", "low", "high", "qualifier"), row[1:5]))
            acled = dict(zip(("value", "low", "high", "qualifier"), extra["acled"])) if "acled" in extra else None
            yield phenomenon, row[0], literal, acled


def score_table(normalize: Normalizer, path: Path = TABLE, convention: str = "literal") -> Counter:
    c: Counter = Counter()
    for _, phrase, literal, acled in table_rows(path):
        expected = acled if convention == "acled" and acled is not None else literal
        got = normalize(phrase)
        c["rows"] += 1
        c["exact"] += got == expected
        c["value"] += got["value"] == expected["value"]
    return c


def load_normalizer(path: str | Path | None, convention: str = "literal") -> Normalizer | None:
    """``normalize_count`` of the counts module at ``path`` (None: the current one), for ``convention``.

    A module without conventions (the version before them) gives None for ``acled``.
    """
    if path is None:
        normalize = normalize_count
    else:
        spec = importlib.util.spec_from_file_location(f"counts_at_{abs(hash(str(path)))}", path)
        if spec is None or spec.loader is None:
            raise CorpusError(f"{path}: not a Python module")
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        normalize = module.normalize_count
    if "convention" in inspect.signature(normalize).parameters:
        return lambda text: normalize(text, convention=convention)
    return normalize if convention == "literal" else None


def _pct(part: int, whole: int) -> str:
    return f"{part} ({100 * part / whole:.1f}%)" if whole else "0"


def report(baseline: str | None, table: Path) -> str:
    columns = [("before", load_normalizer(baseline))] if baseline else []
    columns += [("after, literal", load_normalizer(None)), ("after, acled", load_normalizer(None, "acled"))]
    columns = [(name, fn) for name, fn in columns if fn is not None]
    names = " | ".join(name for name, _ in columns)
    lines = []
    path = dataset_root("muc4") / KEYS_FILE
    phrases, keys = muc4_phrases(path)
    scores = [score_keys(phrases, fn) for _, fn in columns]
    lines += [f"MUC-4 answer keys, GTT train ({keys['documents']} documents): victims with a numeric count",
              "", f"| measure | {names} |", "|---" * (len(columns) + 1) + "|"]
    one = sum(n == 1 for _, n in phrases)
    rows = [
        ("keys with a numeric count", [str(keys["keys"])] * len(columns)),
        ("aligned to a phrase (coverage)", [_pct(keys["aligned"], keys["keys"])] * len(columns)),
        ("exact match, of aligned keys", [_pct(s["exact"], keys["aligned"]) for s in scores]),
        ("exact match, of all keys", [_pct(s["exact"], keys["keys"]) for s in scores]),
        ("read as unknown", [_pct(s["unknown"], keys["aligned"]) for s in scores]),
        ("exact match, key = 1", [_pct(s["exact_one"], one) for s in scores]),
        ("exact match, key > 1", [_pct(s["exact_more"], len(phrases) - one) for s in scores]),
    ]
    lines += [f"| {label} | " + " | ".join(cells) + " |" for label, cells in rows]
    if table.exists():
        scored = []
        for name, fn in columns:
            convention = "acled" if name.endswith("acled") else "literal"
            scored.append(score_table(fn, table, convention))
        lines += ["", f"Phrase table ({table.relative_to(REPO) if table.is_relative_to(REPO) else table}): "
                  "the expected reading is the literal one, the ACLED one where a row gives it", "",
                  f"| measure | {names} |", "|---" * (len(columns) + 1) + "|",
                  f"| rows | " + " | ".join(str(s["rows"]) for s in scored) + " |",
                  "| exact match (value, low, high, qualifier) | "
                  + " | ".join(_pct(s["exact"], s["rows"]) for s in scored) + " |",
                  "| value matches | " + " | ".join(_pct(s["value"], s["rows"]) for s in scored) + " |"]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m toll.eval.benchmarks.counts", description=__doc__.split("\n\n")[0])
    parser.add_argument("--baseline", help="another counts module to measure beside the current one")
    parser.add_argument("--table", default=str(TABLE), help="the phrase table (default: %(default)s)")
    args = parser.parse_args(argv)
    try:
        print(report(args.baseline, Path(args.table).resolve()))
    except CorpusError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
