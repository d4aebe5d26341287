"""The inference module: texts in, entities, relations and casualty records out.

The batch path is written once (:meth:`Pipeline.predict_documents`); everything else wraps it.
Long articles are read in overlapping sentence-aligned windows and merged; nothing is truncated.
Windows and relation inputs from many documents are sorted by length before batching.

Example, with the model of ``configs/default.yaml`` (``make train``), output as printed::

    >>> pipe = Pipeline.from_pretrained("runs/default/model")            # doctest: +SKIP
    >>> rec = pipe.predict_text("A car bomb killed at least seven soldiers in Ghazni "
    ...                         "on Monday, police said.")                  # doctest: +SKIP
    >>> [(e["label"], e["text"], e["score"]) for e in rec["entities"]]   # doctest: +SKIP
    [('WEAPON', 'A car bomb', 0.9892), ('KILLED', 'at least seven soldiers', 0.9947),
     ('LOCATION', 'Ghazni', 0.9951), ('DATE', 'Monday', 0.9944), ('SOURCE', 'police', 0.9946)]
    >>> rec["casualties"][0]                                             # doctest: +SKIP
    {'type': 'killed', 'count': {'value': 7, 'low': 7, 'high': None, 'qualifier': 'at_least'},
     'entity': 'T2', 'text': 'at least seven soldiers', 'start': 18, 'end': 41,
     'victim': 'soldiers', 'score': 0.9947,
     'sentence': 'A car bomb killed at least seven soldiers in Ghazni on Monday, police said.',
     'perpetrators': [], 'sources': ['police'], 'locations': ['Ghazni'], 'dates': ['Monday'],
     'weapons': ['A car bomb']}
"""

from __future__ import annotations

import itertools
import json
import time
from collections import defaultdict
from pathlib import Path
from typing import Iterable, Iterator

import numpy as np

from toll.models.common.errors import ModelDirError
from toll.models.inference.backends import Backend, load_backend
from toll.models.inference.calibration import FILENAME as CALIBRATION_FILE, ScoreCalibration
from toll.models.inference.model_dir import ModelLabels, check_model_dir, loading
from toll.models.inference.records import Prediction, casualty_records, toll_groups
from toll.models.inference.settings import InferenceSettings
from toll.models.inference.thresholds import DecisionThresholds
from toll.models.networks.relation_classifier import RelationClassifier
from toll.models.networks.relation_encoding import RelationEncoding
from toll.models.networks.tagging import WindowTagger
from toll.models.text.alignment import TokenizedText, case_marker_id, tokenize
from toll.models.text.document import Document, Entity
from toll.models.text.schema import Schema
from toll.models.text.sentences import sentence_spans


class _Clock:
    """Adds the time since the previous call to ``timings[stage]`` (where the batch path spends it)."""

    def __init__(self, timings: dict[str, float]):
        self.timings, self.last = timings, time.perf_counter()

    def __call__(self, stage: str) -> None:
        now = time.perf_counter()
        self.timings[stage] += now - self.last
        self.last = now


class Pipeline:
    """Tagger + relation classifier + count normalization + record assembly.

    Entity and relation scores are reported through ``calibration`` (raw probabilities where it is
    the identity) and the decision thresholds compare those reported scores."""

    def __init__(self, schema: Schema, labels: ModelLabels, backend: Backend, tokenizer, rel_tokenizer,
                 settings: InferenceSettings, batch_size: int = 16, thresholds: DecisionThresholds | None = None,
                 calibration: ScoreCalibration | None = None):
        self.schema = schema
        self.thresholds = thresholds or DecisionThresholds()
        self.labels = labels
        self.backend = backend
        self.tokenizer = tokenizer
        self.rel_tokenizer = rel_tokenizer
        self.batch_size = batch_size
        self.settings = settings
        # Both networks read the tagger's tokenization, so the relation tokenizer must agree on
        # the capitalization marker's id.
        self.case_marker = case_marker_id(tokenizer)
        if self.case_marker != case_marker_id(rel_tokenizer):
            raise ModelDirError("tagger and relation tokenizers disagree on the [CAP] marker")
        # how vague counts ("dozens", "more than 30") read in the records: literal or acled (toll.models.counts)
        self.count_convention = "literal"
        # seconds spent per stage since loading (tokenize, sentences, tagger, ..., records): what
        # eval/benchmarks/speed.py reports; the network calls are counted apart from the rest
        self.timings: dict[str, float] = defaultdict(float)
        windows = settings.windows
        self.tagger = WindowTagger(tokenizer, labels.tags, backend.tagger_logits, windows.max_tokens,
                                   windows.overlap_sentences, batch_size, self.timings)
        encoding = RelationEncoding.from_tokenizer(rel_tokenizer, schema, labels.markers,
                                                   settings.relations.sentence_window, settings.relations.max_tokens)
        self.relation_classifier = RelationClassifier(encoding, labels.relations, backend.relation_logits,
                                                      batch_size, self.timings)
        self.use_calibration(calibration or ScoreCalibration())

    def use_calibration(self, calibration: ScoreCalibration) -> None:
        """Report scores through ``calibration`` from now on (the identity: raw probabilities)."""
        self.calibration = calibration
        self.tagger.score_map = None if calibration.entity.method == "identity" else calibration.entity
        self.relation_classifier.score_map = None if calibration.relation.method == "identity" else calibration.relation

    @classmethod
    def from_pretrained(cls, directory: str | Path, batch_size: int = 16, device: str | None = None,
                        backend: str = "torch", threads: int | None = None, calibrated: bool = True) -> "Pipeline":
        """Load a model directory written by ``toll-train`` (checked: schema, labels, safetensors, settings).
        ``backend``: ``torch``, ``onnx`` or ``onnx-int8`` (:func:`toll.models.inference.backends.load_backend`).
        ``calibrated=False`` reports raw scores whatever ``calibration.json`` says (what fitting one reads)."""
        from transformers import AutoTokenizer
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()
        directory = Path(directory)
        schema, labels = check_model_dir(directory)
        settings = InferenceSettings.load(directory)
        with loading(directory / "tagger"):
            tokenizer = AutoTokenizer.from_pretrained(directory / "tagger")
        with loading(directory / "relation"):
            rel_tokenizer = AutoTokenizer.from_pretrained(directory / "relation")
        try:
            thresholds = DecisionThresholds.load(directory)
        except json.JSONDecodeError as exc:
            raise ModelDirError(f"{directory / 'thresholds.json'}: not valid JSON ({exc})") from None
        except ValueError as exc:
            raise ModelDirError(str(exc)) from None
        try:
            calibration = ScoreCalibration.load(directory) if calibrated else ScoreCalibration()
        except json.JSONDecodeError as exc:
            raise ModelDirError(f"{directory / CALIBRATION_FILE}: not valid JSON ({exc})") from None
        except ValueError as exc:
            raise ModelDirError(str(exc)) from None
        return cls(schema, labels, load_backend(backend, directory, device, threads), tokenizer, rel_tokenizer,
                   settings, batch_size=batch_size, thresholds=thresholds, calibration=calibration)

    # -- public API ------------------------------------------------------------------------
    def predict_text(self, text: str, doc_id: str = "0") -> dict:
        """One text -> one output record (a thin wrapper of the batch path)."""
        return self.predict_texts([text], ids=[doc_id])[0]

    def predict_texts(self, texts: list[str], ids: list[str] | None = None) -> list[dict]:
        ids = ids or [str(i) for i in range(len(texts))]
        docs = [Document(i, t) for i, t in zip(ids, texts)]
        return [p.to_record() for p in self.predict_documents(docs)]

    def predict_documents(self, docs: Iterable[Document], chunk_size: int = 64,
                          min_score: float | None = None, entities_given: bool = False) -> Iterator[Prediction]:
        """Stream predictions for documents, ``chunk_size`` documents per length-sorted pass.

        Entities and relations scored below ``min_score`` are dropped; by default (``None``) the
        thresholds tuned on dev and saved with the model (``self.thresholds``) decide, and
        ``min_score=0.0`` keeps every argmax decision. With ``entities_given`` the documents' own
        entities are kept and only relations are predicted (relation scoring on gold entities)."""
        if min_score is None:
            floors = self.thresholds
        else:
            floors = DecisionThresholds(min_score, min_score)
        docs = iter(docs)
        while chunk := list(itertools.islice(docs, chunk_size)):
            yield from self._predict_chunk(chunk, floors, entities_given)

    def word_probabilities(self, texts: list[str]) -> list[np.ndarray]:
        """The tagger's ``[n_words, n_tags]`` probabilities per text (first word piece of each word):
        what uncertainty sampling reads (:mod:`toll.training.corpus.active_learning`)."""
        toks = [tokenize(self.tokenizer, t, self.case_marker) for t in texts]
        probs = self.tagger.token_probabilities(toks, [sentence_spans(t) for t in texts])
        return [p[tok.word_first_token] for tok, p in zip(toks, probs)]

    # -- the batch path --------------------------------------------------------------------
    def _predict_chunk(self, docs: list[Document], floors: DecisionThresholds,
                       entities_given: bool) -> list[Prediction]:
        clock = _Clock(self.timings)
        toks = [tokenize(self.tokenizer, d.text, self.case_marker) for d in docs]
        clock("tokenize")
        sentences = [sentence_spans(d.text) for d in docs]
        clock("sentences")
        if entities_given:
            entities = [list(d.entities) for d in docs]
        else:
            entities = self._tag(toks, sentences, floors.entity)
        clock("tagger")
        relations = self.relation_classifier.relate(toks, sentences, entities, floors.relation)
        clock("relations")
        out = []
        for doc, ents, rels, sents in zip(docs, entities, relations, sentences):
            pred_doc = doc.with_annotations(ents, rels)
            records = casualty_records(pred_doc, self.schema, sents, self.count_convention)
            out.append(Prediction(pred_doc, records, toll_groups(records)))
        clock("records")
        return out

    def _tag(self, toks: list[TokenizedText], sentences, min_score: float) -> list[list[Entity]]:
        return self.tagger.tag(toks, sentences, min_score)
