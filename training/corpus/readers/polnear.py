"""PolNeAR attribution relations (brat standoff) as Documents with PolNeAR's labels.

Download: https://github.com/networkdynamics/PolNeAR (commit c3eee83), ``data/<split>/text/*.txt``
and ``data/<split>/attributions/<article>_<annotator>.ann``. Each ``.ann`` is brat standoff:
``T`` lines are spans (``T1<TAB>Source 110 112<TAB>we``; discontinuous spans list fragments as
``0 5;9 14``), ``E`` lines are attribution events (``E1<TAB>Attribution:T4 Content:T3 Cue:T2
Source:T1``). A span's text may contain a newline, which continues on the next line of the file.

What :func:`read_polnear` keeps:

- entities ``Source``, ``Cue`` and ``Content``. A discontinuous span is **split**: one entity per
  fragment, the first keeping the brat id and the others ``<id>.2``, ``<id>.3``; the fragments
  joined with a space equal brat's text column. The event triggers (``Attribution``,
  ``Attribution-no-source``: the cue's span again) and the annotators' workflow marks (``Discard``,
  ``Discuss``) are skipped and counted in ``meta["skipped"]``.
- per event, relations from the cue (its first fragment) to every fragment of its source
  (``Source``) and content (``Content``; ``Content2`` is a second content, also ``Content``).
- one annotator per article (the lowest annotator id) unless ``all_annotators=True``, which gives
  one Document per ``.ann`` file, id ``<article>_<annotator>``.

>>> ann = "T1\\tSource 0 6\\tPolice\\nT2\\tCue 7 11\\tsaid\\nT3\\tContent 12 15;27 31\\ttwo died\\n" \\
...       "T4\\tAttribution 7 11\\tsaid\\nE1\\tAttribution:T4 Source:T1 Cue:T2 Content:T3\\n"
>>> doc = brat_document("d1", "Police said two, he added, died", ann, "d1.ann")
>>> [(e.id, e.label, doc.span_text(e)) for e in doc.entities]
[('T1', 'Source', 'Police'), ('T2', 'Cue', 'said'), ('T3', 'Content', 'two'), ('T3.2', 'Content', 'died')]
>>> [(r.head, r.label, r.tail) for r in doc.relations], doc.meta["skipped"]
([('T2', 'Source', 'T1'), ('T2', 'Content', 'T3'), ('T2', 'Content', 'T3.2')], {'Attribution': 1})
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path
from typing import Iterator

from toll.models.text.document import Document, Entity, Relation
from toll.models.common.errors import CorpusError
from toll.training.corpus.readers.mapping import default_mapping

SPLITS = ("train", "dev", "test", "annotator-training")
KEPT_LABELS = ("Source", "Cue", "Content")
_RECORD = re.compile(r"^(?:[TERAMN#]\d+|\*)\t")


def _records(ann: str) -> list[str]:
    """Brat lines, with a span text that holds newlines joined back into its record."""
    records: list[str] = []
    for line in ann.split("\n"):
        if _RECORD.match(line):
            records.append(line)
        elif records:
            records[-1] += "\n" + line
    if records:
        records[-1] = records[-1].rstrip("\n")
    return records


def _fragments(record: str, text: str, where: str) -> tuple[str, str, list[tuple[int, int]]]:
    try:
        tid, label_offsets, span_text = record.split("\t", 2)
        label, offsets = label_offsets.split(" ", 1)
        frags = [(int(a), int(b)) for a, b in (f.split() for f in offsets.split(";"))]
    except ValueError:
        raise CorpusError(f"{where}: bad span line {record[:80]!r}") from None
    if any(not 0 <= a < b <= len(text) for a, b in frags):
        raise CorpusError(f"{where}: {tid}: offsets {offsets} outside the text (length {len(text)})")
    if " ".join(text[a:b] for a, b in frags) != span_text:
        raise CorpusError(f"{where}: {tid}: offsets {offsets} do not give the text {span_text[:60]!r}")
    return tid, label, frags


def brat_document(doc_id: str, text: str, ann: str, where: str) -> Document:
    """One article's text and ``.ann`` content -> a Document (see the module docstring)."""
    entities: list[Entity] = []
    pieces: dict[str, list[str]] = {}
    skipped: Counter[str] = Counter()
    events: list[str] = []
    for record in _records(ann):
        if record.startswith("T"):
            tid, label, frags = _fragments(record, text, where)
            if label not in KEPT_LABELS:
                skipped[label] += 1
                continue
            ids = [tid] + [f"{tid}.{k}" for k in range(2, len(frags) + 1)]
            entities += [Entity(i, a, b, label) for i, (a, b) in zip(ids, frags)]
            pieces[tid] = ids
        elif record.startswith("E"):
            events.append(record)
        else:
            skipped[record.split("\t", 1)[0].rstrip("0123456789") or "other"] += 1
    relations: list[Relation] = []
    for event in events:
        args = dict(arg.split(":", 1) for arg in event.split("\t")[1].split()[1:] if ":" in arg)
        cue = pieces.get(args.get("Cue", ""))
        if not cue:
            skipped["event_without_cue"] += 1
            continue
        for role, target in args.items():
            role = role.rstrip("0123456789")
            if role in ("Source", "Content"):
                if target not in pieces:
                    raise CorpusError(f"{where}: event {event.split()[0]} names unknown span {target}")
                relations += [Relation(cue[0], piece, role) for piece in pieces[target]]
    meta = {"corpus": "polnear", "skipped": dict(skipped)}
    return Document(doc_id, text, tuple(entities), tuple(relations), meta)


def read_polnear(
    root: str | Path, split: str = "train", all_annotators: bool = False
) -> Iterator[Document]:
    """PolNeAR articles of ``split`` in file-name order; ``root`` is the ``polnear`` folder."""
    if split not in SPLITS:
        raise ValueError(f"split must be one of {SPLITS}, not {split!r}")
    folder = Path(root) / "data" / split
    texts = sorted((folder / "text").glob("*.txt"))
    if not texts:
        raise CorpusError(f"{folder / 'text'}: no PolNeAR .txt files")
    anns: dict[str, list[Path]] = {}
    for path in sorted((folder / "attributions").glob("*.ann")):
        anns.setdefault(path.stem.rsplit("_", 1)[0], []).append(path)
    annotated = list(default_mapping("polnear").annotated_labels)
    for text_path in texts:
        chosen = anns.get(text_path.stem, [])
        if not chosen:
            raise CorpusError(f"{text_path}: no .ann file for this article in {folder / 'attributions'}")
        try:
            with open(text_path, encoding="utf-8", newline="") as f:  # keep \r: brat counts it
                text = f.read()
            for ann_path in chosen if all_annotators else chosen[:1]:
                with open(ann_path, encoding="utf-8", newline="") as f:
                    ann = f.read()
                annotator = ann_path.stem.rsplit("_", 1)[1]
                doc_id = ann_path.stem if all_annotators else text_path.stem
                doc = brat_document(doc_id, text, ann, str(ann_path))
                doc.meta.update(split=split, annotator=annotator, annotated_labels=annotated,
                                annotators=[p.stem.rsplit("_", 1)[1] for p in chosen])
                yield doc
        except (OSError, UnicodeDecodeError) as exc:
            raise CorpusError(f"{text_path}: cannot read: {exc}") from None
