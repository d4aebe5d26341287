"""One entry point for the public corpora's splits, with their own labels.

``load_split("re3d-conflibert", "test")`` reads ConfliBERT's re3d test sentences from the datasets
folder (``data_dir``, else ``$TOLL_DATASETS``, else ``../shared/datasets``; see
:mod:`toll.training.corpus.readers.locate`); ``labels=("Source",)`` keeps only those spans (PolNeAR's sources).

>>> docs = load_split("re3d-conflibert", "test")                        # doctest: +SKIP
>>> len(docs), docs[0].text[:40]                                        # doctest: +SKIP
(200, 'The European Union has strongly condemne')
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Literal, Sequence

from toll.models.text.document import Document
from toll.training.corpus.readers.locate import dataset_root
from toll.training.corpus.readers.muc4 import read_conflibert_muc4
from toll.training.corpus.readers.polnear import read_polnear
from toll.training.corpus.readers.re3d import read_conflibert_re3d

# the corpus names load_split reads (ConfliBERT's splits of re3d and MUC-4, PolNeAR's own)
PublicCorpusName = Literal["re3d-conflibert", "muc4-conflibert", "polnear"]
# the datasets folder each corpus lives in
FOLDER = {"re3d-conflibert": "conflibert", "muc4-conflibert": "conflibert", "polnear": "polnear"}


def stable_sample(docs: list[Document], limit: int | None) -> list[Document]:
    """``limit`` documents picked by the SHA-1 of their ids, kept in their original order: spread
    over the corpus, the same in every run, and not its first files (PolNeAR's first 120 are all
    one outlet).

    >>> docs = [Document(f"d{i}", "") for i in range(10)]
    >>> [d.id for d in stable_sample(docs, 3)]
    ['d5', 'd6', 'd8']
    """
    if limit is None or limit >= len(docs):
        return docs
    chosen = set(sorted(range(len(docs)), key=lambda i: hashlib.sha1(docs[i].id.encode()).hexdigest())[:limit])
    return [d for i, d in enumerate(docs) if i in chosen]


def load_split(corpus: PublicCorpusName, split: str, data_dir: str | Path | None = None,
               labels: Sequence[str] | None = None, limit: int | None = None) -> list[Document]:
    """Documents of one split (``limit``: a :func:`stable_sample` of them); ``labels`` keeps only
    those entity labels (relations are dropped)."""
    root = Path(data_dir) / FOLDER[corpus] if data_dir else dataset_root(FOLDER[corpus])
    if corpus == "re3d-conflibert":
        docs = read_conflibert_re3d(root, split)
    elif corpus == "muc4-conflibert":
        docs = read_conflibert_muc4(root, split)
    else:
        docs = list(read_polnear(root, split))
    docs = stable_sample(docs, limit)
    if labels is not None:
        keep = set(labels)
        docs = [d.with_annotations([e for e in d.entities if e.label in keep], ()) for d in docs]
    return docs
