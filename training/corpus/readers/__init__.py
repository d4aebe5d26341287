"""Readers that turn public corpora into :class:`toll.models.text.document.Document`, plus label mappings.

Each reader takes the corpus folder (see :func:`dataset_root`), keeps the corpus's own labels and
sets ``meta["corpus"]`` and ``meta["annotated_labels"]``: the project labels that the corpus marks
exhaustively once mapped (unmarked text is ``O`` for those; for any other label a span is
positive evidence and its absence means "not annotated"). :func:`apply_mapping` then relabels a
document onto the project schema with ``configs/mappings/<corpus>.yaml``.

>>> from toll.models.text.schema import Schema
>>> docs = read_conflibert_re3d(dataset_root("conflibert"), "test")      # doctest: +SKIP
>>> mapped = [apply_mapping(d, default_mapping("re3d"), Schema.load()) for d in docs]  # doctest: +SKIP
"""

from toll.training.corpus.readers.locate import dataset_root
from toll.training.corpus.readers.mapping import LabelMapping, apply_mapping, default_mapping, load_mapping
from toll.training.corpus.readers.muc4 import read_conflibert_muc4
from toll.training.corpus.readers.muc4_keys import read_muc4_templates
from toll.training.corpus.readers.polnear import read_polnear
from toll.training.corpus.readers.re3d import read_conflibert_re3d, read_re3d

__all__ = [
    "LabelMapping", "apply_mapping", "dataset_root", "default_mapping", "load_mapping",
    "read_conflibert_muc4", "read_conflibert_re3d", "read_muc4_templates", "read_polnear", "read_re3d",
]
