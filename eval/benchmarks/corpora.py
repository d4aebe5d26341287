"""The public benchmark corpora as Documents with their own labels, split as their papers split them.

``load_split("re3d-conflibert", "test")`` reads ConfliBERT's re3d test sentences from the datasets
folder (``$TOLL_DATASETS``, else ``../shared/datasets``; see :mod:`training.readers.locate`), and
``labels=("Source",)`` keeps only the spans a benchmark scores (PolNeAR's source spans).

>>> docs = load_split("re3d-conflibert", "test")                        # doctest: +SKIP
>>> len(docs), docs[0].text[:40]                                        # doctest: +SKIP
(200, 'The European Union has strongly condemne')
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Literal, Sequence

from models.document import Document
from training.readers import dataset_root, read_conflibert_muc4, read_conflibert_re3d, read_polnear

Corpus = Literal["re3d-conflibert", "muc4-conflibert", "polnear"]
# the datasets folder each corpus lives in
FOLDER = {"re3d-conflibert": "conflibert", "muc4-conflibert": "conflibert", "polnear": "polnear"}
_WORD = re.compile(r"\S+")


def load_split(corpus: Corpus, split: str, data_dir: str | Path | None = None,
               labels: Sequence[str] | None = None, limit: int | None = None) -> list[Document]:
    """Documents of one split; ``labels`` keeps only those entity labels (relations are dropped)."""
    root = Path(data_dir) / FOLDER[corpus] if data_dir else dataset_root(FOLDER[corpus])
    if corpus == "re3d-conflibert":
        docs = read_conflibert_re3d(root, split)
    elif corpus == "muc4-conflibert":
        docs = read_conflibert_muc4(root, split)
    else:
        docs = list(read_polnear(root, split))
    docs = docs[:limit]
    if labels is not None:
        keep = set(labels)
        docs = [d.with_annotations([e for e in d.entities if e.label in keep], ()) for d in docs]
    return docs


def word_tags(doc: Document, entities=None) -> list[str]:
    """IOB2 tags over the document's whitespace-separated words (the CoNLL tokens of re3d).

    A word takes the label of the first entity that overlaps it; ``B-`` where that entity starts.

    >>> from models.document import Entity
    >>> doc = Document("d", "Carter thanked the United States .",
    ...                (Entity("T1", 0, 6, "Person"), Entity("T2", 15, 32, "Organisation")))
    >>> word_tags(doc)
    ['B-Person', 'O', 'B-Organisation', 'I-Organisation', 'I-Organisation', 'O']
    """
    entities = sorted(doc.entities if entities is None else entities, key=lambda e: e.start)
    tags, seen = [], set()
    for m in _WORD.finditer(doc.text):
        hit = next((e for e in entities if e.start < m.end() and m.start() < e.end), None)
        if hit is None:
            tags.append("O")
        else:
            tags.append(("I-" if hit.id in seen else "B-") + hit.label)
            seen.add(hit.id)
    return tags
