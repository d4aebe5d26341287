"""One entry point for the public corpora's splits, with their own labels.

``load_split("re3d-conflibert", "test")`` reads ConfliBERT's re3d test sentences from the datasets
folder (``data_dir``, else ``$TOLL_DATASETS``, else ``../shared/datasets``; see
:mod:`training.readers.locate`); ``labels=("Source",)`` keeps only those spans (PolNeAR's sources).

>>> docs = load_split("re3d-conflibert", "test")                        # doctest: +SKIP
>>> len(docs), docs[0].text[:40]                                        # doctest: +SKIP
(200, 'The European Union has strongly condemne')
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal, Sequence

from models.document import Document
from training.readers.locate import dataset_root
from training.readers.muc4 import read_conflibert_muc4
from training.readers.polnear import read_polnear
from training.readers.re3d import read_conflibert_re3d

Corpus = Literal["re3d-conflibert", "muc4-conflibert", "polnear"]
# the datasets folder each corpus lives in
FOLDER = {"re3d-conflibert": "conflibert", "muc4-conflibert": "conflibert", "polnear": "polnear"}


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
