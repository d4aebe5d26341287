"""The public corpora a config adds to the tagger's training data (``data.public``), on the schema.

Each source is read with its reader (:mod:`toll.training.corpus.readers`), relabelled with its mapping
(``configs/mappings/<corpus>.yaml`` unless the source names one) and cut to ``limit`` documents
chosen by a stable hash of their ids: spread over the corpus, the same in every run, and not its
first files (PolNeAR's first 120 are all one outlet). Document ids get a ``<corpus>/`` prefix.
Every document keeps ``meta["annotated_labels"]``, which decides how its unmarked text is taught
(:mod:`toll.training.partial_labels`).

>>> from toll.training.config import DataConfig
>>> data = DataConfig(public=[{"corpus": "re3d", "split": "all", "limit": 2}])   # doctest: +SKIP
>>> [(name, len(docs)) for name, docs in load_public_sources(data, Schema.load())]  # doctest: +SKIP
[('re3d', 2)]
"""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from pathlib import Path

from toll.models.text.document import Document
from toll.models.common.errors import CorpusError
from toll.models.text.schema import Schema
from toll.training.config import DataConfig, PublicSource
from toll.training.corpus.readers.public import stable_sample
from toll.training.corpus.readers import (apply_mapping, dataset_root, default_mapping, load_mapping, read_muc4_templates,
                              read_polnear, read_re3d)


def source_root(source: PublicSource, datasets_dir: str | None) -> Path:
    """The corpus folder: ``datasets_dir/<corpus>`` when the config names a folder, else the default search."""
    if datasets_dir is None:
        return dataset_root(source.corpus)
    root = Path(datasets_dir) / source.corpus
    if not root.is_dir():
        raise CorpusError(f"dataset {source.corpus!r} not found: {root} (data.datasets_dir) is not a folder")
    return root


def read_source(source: PublicSource, datasets_dir: str | None) -> list[Document]:
    """A source's documents with the corpus's own labels, in reader order."""
    root = source_root(source, datasets_dir)
    if source.corpus == "re3d":
        return list(read_re3d(root))
    if source.corpus == "muc4":
        return list(read_muc4_templates(root, None if source.split == "all" else source.split))
    return list(read_polnear(root, source.split))


def load_public_sources(data: DataConfig, schema: Schema) -> list[tuple[PublicSource, list[Document]]]:
    """Every ``data.public`` source with its mapped documents (ids prefixed ``<corpus>/``)."""
    loaded = []
    for source in data.public:
        mapping = load_mapping(source.mapping) if source.mapping else default_mapping(source.corpus)
        docs = stable_sample(read_source(source, data.datasets_dir), source.limit)
        mapped = [apply_mapping(d, mapping, schema) for d in docs]
        loaded.append((source, [replace(d, id=f"{source.corpus}/{d.id}") for d in mapped]))
    return loaded


def source_summary(source: PublicSource, docs: list[Document]) -> dict:
    """Counts for metrics.json and the model card."""
    dropped: Counter[str] = Counter()
    for d in docs:
        dropped.update(d.meta.get("mapping_dropped", {}))
    annotated = list(docs[0].meta.get("annotated_labels", [])) if docs else []
    return {"corpus": source.corpus, "split": source.split, "limit": source.limit,
            "mapping": source.mapping or f"configs/mappings/{source.corpus}.yaml",
            "documents": len(docs), "documents_with_spans": sum(1 for d in docs if d.entities),
            "entities": dict(sorted(Counter(e.label for d in docs for e in d.entities).items())),
            "annotated_labels": annotated, "mapping_dropped": dict(dropped)}
