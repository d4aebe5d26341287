"""Read each word once (issue 18): relations from the tagger's own states, against the marker model.

``nice -n 10 python -m toll.eval.benchmarks.read_once --model runs/default/model --cache runs/read_once
--write eval/benchmarks/read_once.md`` (about 10 minutes on 2 busy cores) writes the report and its
``.json`` beside it. (One experiment, kept in one file of ~680 lines so it reads top to bottom.) The
experiment:

1. Every train and dev document is encoded once by the model's fine-tuned tagger, in the windows the
   pipeline uses (:func:`toll.models.text.alignment.make_windows`); the last hidden states are
   averaged where windows overlap and each word keeps its first token's vector (the token the tagger
   tags: the ``[CAP]`` marker for a capitalized word). Cached under ``--cache``.
2. A span-pair head (:class:`SpanPairHead`) classifies every candidate (figure, tail) pair from pooled
   span vectors, their product, label embeddings and distance buckets. The candidates are today's
   (:func:`candidate_pairs`: schema-allowed types within ``sentence_window`` sentences, the rule of
   :mod:`toll.models.networks.relation_encoding`), with no token budget. It trains on the frozen
   states of the train split's gold entities, a few seeds, early-stopped on dev.
3. Both relation models are scored on dev with the gold entities and end to end on the entities
   the pipeline's tagger predicted (its entity threshold), at the saved relation threshold and at
   each model's best dev threshold; and timed: the relation stage per article, encoder positions per word.

The feature builder, on a hand-made document (the states are fake: word ``w`` is ``[w, 10 w]``):

>>> from toll.models.networks.encoders import load_tokenizer
>>> from toll.models.text.alignment import tokenize
>>> from toll.models.text.document import Entity
>>> from toll.models.text.schema import Schema
>>> text = "Gunmen killed 12 people. Police said."
>>> tok = tokenize(load_tokenizer("bundled:minilm-l6"), text)
>>> ents = [Entity("a", 0, 6, "ACTOR"), Entity("k", 14, 23, "KILLED"), Entity("s", 25, 31, "SOURCE")]
>>> pairs = candidate_pairs(tok, ents, [(0, 24), (25, 37)], Schema.load(), sentence_window=1)
>>> [(p.head_id, p.tail_id, p.sentence_bucket, p.gap_bucket, p.tail_after) for p in pairs]
[('k', 'a', 0, 1, False), ('k', 's', 1, 1, True)]
>>> states = np.array([[w, 10.0 * w] for w in range(len(tok.word_spans))], dtype=np.float32)
>>> span_vectors(states, [pairs[0].head_words]).tolist()  # "12 people": mean, first word, last word
[[2.5, 25.0, 2.0, 20.0, 3.0, 30.0]]
"""

from __future__ import annotations

import argparse
import bisect
import json
import os
import statistics
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import torch
from torch import nn

from toll.eval.gold import load_gold_split
from toll.eval.relations import relation_scores
from toll.models.common.atomic import atomic_write_text
from toll.models.common.machine import machine
from toll.models.inference.model_dir import check_model_dir
from toll.models.inference.positions import count_words
from toll.models.inference.settings import InferenceSettings
from toll.models.inference.thresholds import DecisionThresholds
from toll.models.networks.batching import batches
from toll.models.networks.heads import load_token_classifier
# the candidate rule itself (sentence reach, schema-allowed pairs, word ranges), not a copy of it
from toll.models.networks.relation_encoding import _DocumentView, relation_label_names
from toll.models.networks.tagging import window_inputs
from toll.models.scoring import prf, relation_class_scores
from toll.models.text.alignment import TokenizedText, case_marker_id, make_windows, tokenize
from toll.models.text.document import Document, Entity, Relation
from toll.models.text.schema import Schema
from toll.models.text.sentences import sentence_index, sentence_spans

COMMAND = ("nice -n 10 .venv/bin/python -m toll.eval.benchmarks.read_once --model runs/default/model "
           "--cache runs/read_once --write eval/benchmarks/read_once.md")
SENTENCE_BUCKETS = ("0", "1", "2", "3+")
WORD_GAPS = (0, 1, 3, 6, 11, 21, 41)  # lower bounds of the word-gap buckets: 0, 1-2, 3-5, ..., 41+
GRID = [round(0.05 * i, 2) for i in range(20)]  # relation thresholds swept on dev, as thresholds.json's curves


def sentence_bucket(distance: int) -> int:
    """Sentences between head and tail: 0, 1, 2, 3 or more.

    >>> [sentence_bucket(d) for d in (0, -1, 2, 7)]
    [0, 1, 2, 3]
    """
    return min(abs(distance), 3)


def gap_bucket(gap: int) -> int:
    """Words strictly between the two spans, bucketed 0, 1-2, 3-5, 6-10, 11-20, 21-40, 41+.

    >>> [gap_bucket(g) for g in (0, 1, 2, 3, 10, 11, 40, 41, 500)]
    [0, 1, 1, 2, 3, 4, 5, 6, 6]
    """
    return bisect.bisect_right(WORD_GAPS, gap) - 1


# -- candidates and features -------------------------------------------------------------------


@dataclass(frozen=True)
class Pair:
    """One candidate (casualty figure, tail) pair located in words; ``label`` is the gold class index
    (0: none) when gold relations were given."""

    head_id: str
    tail_id: str
    head_words: tuple[int, int]  # [first, end)
    tail_words: tuple[int, int]
    head_label: str
    tail_label: str
    sentence_bucket: int
    gap_bucket: int
    tail_after: bool
    allowed: tuple[bool, ...]  # per relation class, none first
    label: int = 0
    figures_between: int = 0  # other casualty figures between the two spans, capped at 3
    nearest_figure: bool = True  # no other casualty figure is closer (in words) to the tail


def candidate_pairs(tok: TokenizedText, entities: list[Entity], sentences: list[tuple[int, int]], schema: Schema,
                    sentence_window: int, gold: dict[tuple[str, str], str] | None = None) -> list[Pair]:
    """Every casualty figure's candidate tails (today's rule, no token budget), heads in entity order."""
    view = _DocumentView(tok, entities, sentences)
    classes = relation_label_names(schema)
    figures = [view.ranges[e.id] for e in entities if schema.casualty_kind(e.label) and view.ranges[e.id]]
    pairs = []
    for head in entities:
        if schema.casualty_kind(head.label) is None or view.ranges[head.id] is None:
            continue
        h0, h1 = view.ranges[head.id]
        for tail in view.candidate_tails(head, schema, view.sentence_reach(head, sentence_window)):
            t0, t1 = view.ranges[tail.id]
            ok = set(schema.relations_between(head.label, tail.label))
            lo, hi = min(h1, t1), max(h0, t0)
            between = sum(1 for f0, f1 in figures if lo <= f0 and f1 <= hi and (f0, f1) != (h0, h1))
            gap = max(t0 - h1, h0 - t1, 0)
            nearest = all(max(t0 - f1, f0 - t1, 0) >= gap for f0, f1 in figures if (f0, f1) != (h0, h1))
            pairs.append(Pair(
                head.id, tail.id, (h0, h1), (t0, t1), head.label, tail.label,
                sentence_bucket(view.sentence_of[tail.id] - view.sentence_of[head.id]),
                gap_bucket(gap), t0 >= h1, tuple(c == classes[0] or c in ok for c in classes),
                classes.index((gold or {}).get((head.id, tail.id), classes[0])), min(between, 3), nearest))
    return pairs


def span_vectors(states: np.ndarray, spans: list[tuple[int, int]]) -> np.ndarray:
    """``[n, 3H]``: per word span ``[first, end)`` the mean of its words' states, its first and its last."""
    if not spans:
        return np.zeros((0, 3 * states.shape[1]), dtype=np.float32)
    out = []
    for w0, w1 in spans:
        out.append(np.concatenate([states[w0:w1].mean(axis=0), states[w0], states[w1 - 1]]))
    return np.stack(out).astype(np.float32)


def between_vectors(states: np.ndarray, pairs: list[Pair]) -> np.ndarray:
    """``[n, H]``: the mean state of the words strictly between each pair's spans (zeros if none)."""
    out = np.zeros((len(pairs), states.shape[1]), dtype=np.float32)
    for i, p in enumerate(pairs):
        lo, hi = sorted([p.head_words, p.tail_words])
        if hi[0] > lo[1]:
            out[i] = states[lo[1]:hi[0]].mean(axis=0)
    return out


def pair_tensors(states: np.ndarray, pairs: list[Pair], labels: list[str], between: bool) -> dict[str, torch.Tensor]:
    """One document's pairs as the head's inputs (``labels``: the schema's entity labels)."""
    index = {label: i for i, label in enumerate(labels)}
    out = {
        "head": torch.from_numpy(span_vectors(states, [p.head_words for p in pairs])),
        "tail": torch.from_numpy(span_vectors(states, [p.tail_words for p in pairs])),
        "codes": torch.tensor([[index[p.head_label], index[p.tail_label], p.sentence_bucket, p.gap_bucket,
                                int(p.tail_after), p.figures_between, int(p.nearest_figure)] for p in pairs],
                              dtype=torch.long).reshape(-1, 7),
        "allowed": torch.tensor([p.allowed for p in pairs], dtype=torch.bool) if pairs else torch.zeros((0, 1), dtype=torch.bool),
        "labels": torch.tensor([p.label for p in pairs], dtype=torch.long),
    }
    if between:
        out["between"] = torch.from_numpy(between_vectors(states, pairs))
    return out


def concat(parts: list[dict[str, torch.Tensor]]) -> dict[str, torch.Tensor]:
    parts = [p for p in parts if len(p["labels"])]
    return {k: torch.cat([p[k] for p in parts]) for k in parts[0]}


# -- the head ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class HeadConfig:
    """One variant of the span-pair head and how it trains."""

    name: str = "span pairs"
    between: bool = False  # add the mean state of the words between the spans
    structure: bool = False  # add the figures between the spans and whether the head is the tail's nearest figure
    sentence_window: int = 1
    width: int = 256
    embedding: int = 16
    dropout: float = 0.2
    learning_rate: float = 1e-3
    weight_decay: float = 0.01
    batch_size: int = 128
    epochs: int = 20
    patience: int = 4


class SpanPairHead(nn.Module):
    """Features ``[head (mean, first, last), tail (same), head mean * tail mean, (between mean),
    label embeddings, sentence and word-gap bucket embeddings, tail before/after, (figures between,
    nearest figure)]`` -> MLP -> logits over ``none`` and the relations, schema-disallowed classes masked."""

    def __init__(self, hidden: int, n_labels: int, n_classes: int, config: HeadConfig):
        super().__init__()
        e = config.embedding
        self.hidden = hidden
        sizes = (n_labels, n_labels, len(SENTENCE_BUCKETS), len(WORD_GAPS), 2) + ((4, 2) if config.structure else ())
        self.codes = nn.ModuleList([nn.Embedding(n, e) for n in sizes])
        width = 7 * hidden + (hidden if config.between else 0) + len(sizes) * e
        self.mlp = nn.Sequential(nn.LayerNorm(width), nn.Dropout(config.dropout), nn.Linear(width, config.width),
                                 nn.GELU(), nn.Dropout(config.dropout), nn.Linear(config.width, n_classes))

    def forward(self, head, tail, codes, allowed, between=None, labels=None):
        parts = [head, tail, head[:, : self.hidden] * tail[:, : self.hidden]]
        if between is not None:
            parts.append(between)
        parts += [emb(codes[:, i]) for i, emb in enumerate(self.codes)]
        logits = self.mlp(torch.cat(parts, dim=-1)).masked_fill(~allowed, -1e4)
        return logits


def _logits(model: SpanPairHead, data: dict[str, torch.Tensor], rows=slice(None)) -> torch.Tensor:
    return model(data["head"][rows], data["tail"][rows], data["codes"][rows], data["allowed"][rows],
                 data["between"][rows] if "between" in data else None)


def train_head(train: dict[str, torch.Tensor], dev: dict[str, torch.Tensor], classes: list[str], n_labels: int,
               config: HeadConfig, seed: int) -> tuple[SpanPairHead, dict]:
    """Train on ``train``'s pairs, keep the epoch of best dev candidate micro-F1 (patience epochs)."""
    torch.manual_seed(seed)
    model = SpanPairHead(train["tail"].shape[1] // 3, n_labels, len(classes), config)
    optimizer = torch.optim.AdamW(model.parameters(), lr=config.learning_rate, weight_decay=config.weight_decay)
    n = len(train["labels"])
    best, best_state, log, stale = -1.0, None, [], 0
    start = time.perf_counter()
    for epoch in range(1, config.epochs + 1):
        model.train()
        order = torch.randperm(n)
        for i in range(0, n, config.batch_size):
            rows = order[i : i + config.batch_size]
            loss = nn.functional.cross_entropy(_logits(model, train, rows), train["labels"][rows])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        model.eval()
        with torch.inference_mode():
            pred = _logits(model, dev).argmax(-1).numpy()
        f1 = relation_class_scores(dev["labels"].numpy(), pred, classes)["micro"]["f1"]
        log.append({"epoch": epoch, "dev_candidate_f1": f1})
        if f1 > best:
            best, stale = f1, 0
            best_state = {k: v.clone() for k, v in model.state_dict().items()}
        else:
            stale += 1
            if stale >= config.patience:
                break
    model.load_state_dict(best_state)
    model.eval()
    return model, {"seed": seed, "best_dev_candidate_f1": best, "epochs_run": len(log),
                   "best_epoch": max(log, key=lambda r: r["dev_candidate_f1"])["epoch"],
                   "seconds": round(time.perf_counter() - start, 1), "log": log}


class ReadOnceRelations:
    """The inference side: word states, entities -> pairs -> pooled features -> head -> relations."""

    def __init__(self, model: SpanPairHead, schema: Schema, config: HeadConfig):
        self.model, self.schema, self.config = model, schema, config
        self.classes = relation_label_names(schema)
        self.labels = list(schema.entity_labels)

    @torch.inference_mode()
    def relate(self, states: list[np.ndarray], toks: list[TokenizedText], sentences, entities,
               min_score: float = 0.0) -> list[list[Relation]]:
        per_doc = [candidate_pairs(t, list(e), s, self.schema, self.config.sentence_window)
                   for t, s, e in zip(toks, sentences, entities)]
        parts = [pair_tensors(st, pairs, self.labels, self.config.between) for st, pairs in zip(states, per_doc)]
        out: list[list[Relation]] = [[] for _ in toks]
        if not any(per_doc):
            return out
        probs = torch.softmax(_logits(self.model, concat(parts)), dim=-1).numpy()
        k = 0
        for d, pairs in enumerate(per_doc):
            for p in pairs:
                c = int(probs[k].argmax())
                if c and probs[k, c] >= min_score:
                    out[d].append(Relation(p.head_id, p.tail_id, self.classes[c], round(float(probs[k, c]), 4)))
                k += 1
        return out


# -- encoding once, cached ---------------------------------------------------------------------


@dataclass
class Positions:
    rows: int = 0
    real: int = 0
    padded: int = 0


def word_states(tagger, tokenizer, toks: list[TokenizedText], sentences, max_tokens: int, overlap: int,
                batch_size: int = 16, positions: Positions | None = None) -> list[np.ndarray]:
    """``[n_words, H]`` per document: the tagger's last hidden states in the pipeline's windows,
    averaged over the windows that hold a token, at each word's first token."""
    jobs = [(d, w) for d, (tok, sents) in enumerate(zip(toks, sentences))
            for w in make_windows(tok, sents, max_tokens - 2, overlap)]
    jobs.sort(key=lambda j: j[1].end - j[1].start)
    hidden = tagger.config.hidden_size
    sums = [np.zeros((t.n_tokens, hidden), dtype=np.float32) for t in toks]
    counts = [np.zeros((t.n_tokens, 1), dtype=np.float32) for t in toks]
    positions = positions if positions is not None else Positions()
    for batch in batches(jobs, batch_size):
        ids, mask = window_inputs(tokenizer, toks, batch)
        positions.rows += len(batch)
        positions.real += int(mask.sum())
        positions.padded += int(mask.numel())
        with torch.inference_mode():
            states = tagger(input_ids=ids, attention_mask=mask, output_hidden_states=True).hidden_states[-1].numpy()
        for i, (d, w) in enumerate(batch):
            sums[d][w.start : w.end] += states[i, 1 : 1 + w.end - w.start]
            counts[d][w.start : w.end] += 1
    return [(s / np.maximum(c, 1))[t.word_first_token] for s, c, t in zip(sums, counts, toks)]


def cached_states(cache: Path, split: str, doc_ids: list[str], compute) -> tuple[list[np.ndarray], dict]:
    """The states of ``split`` from ``cache/states_SPLIT.npz`` when it holds the same documents, else
    ``compute()`` (returning states and an info dict) saved there."""
    path = cache / f"states_{split}.npz"
    if path.exists():
        saved = np.load(path, allow_pickle=False)
        if saved["doc_ids"].tolist() == doc_ids:
            flat, ends = saved["states"].astype(np.float32), saved["ends"].tolist()
            info = json.loads(str(saved["info"]))
            return [flat[a:b] for a, b in zip([0, *ends[:-1]], ends)], {**info, "cached": True}
    states, info = compute()
    cache.mkdir(parents=True, exist_ok=True)
    ends = np.cumsum([len(s) for s in states])
    np.savez(path, states=np.concatenate(states).astype(np.float16), ends=ends, doc_ids=np.array(doc_ids),
             info=np.array(json.dumps(info)))
    return states, {**info, "cached": False}


# -- scoring -----------------------------------------------------------------------------------


def above(docs: list[Document], threshold: float) -> list[Document]:
    return [d.with_annotations(d.entities, [r for r in d.relations if (r.score or 0.0) >= threshold]) for d in docs]


def sweep(gold: list[Document], pred: list[Document], labels: list[str], saved: float) -> dict:
    """Micro-F1 at the saved threshold and at the best one of :data:`GRID` (points)."""
    curve = {t: relation_scores(gold, above(pred, t), labels)["micro"]["f1"] for t in GRID}
    best = max(curve, key=lambda t: (curve[t], -abs(t - saved)))
    return {"saved": round(100 * relation_scores(gold, above(pred, saved), labels)["micro"]["f1"], 2),
            "best": round(100 * curve[best], 2), "best_threshold": best}


def by_distance(gold: list[Document], pred: list[Document]) -> dict[str, dict]:
    """Per sentence-distance bucket: recall over the gold links, precision over the predicted ones."""
    counts = {b: [0, 0, 0] for b in SENTENCE_BUCKETS}  # tp, fp, fn
    for g, p in zip(gold, pred):
        sentences = sentence_spans(g.text)
        keyed = []
        for doc in (g, p):
            ents, out = doc.entity_map(), {}
            for r in doc.relations:
                h, t = ents[r.head], ents[r.tail]
                distance = sentence_index(sentences, t.start) - sentence_index(sentences, h.start)
                out[(r.label, h.start, h.end, h.label, t.start, t.end, t.label)] = SENTENCE_BUCKETS[sentence_bucket(distance)]
            keyed.append(out)
        g_keys, p_keys = keyed
        for key, bucket in g_keys.items():
            counts[bucket][0 if key in p_keys else 2] += 1
        for key, bucket in p_keys.items():
            if key not in g_keys:
                counts[bucket][1] += 1
    return {b: prf(*c) for b, c in counts.items()}


def scores(gold: list[Document], pred: list[Document], labels: list[str], saved: float) -> dict:
    """Micro-F1 (:func:`sweep`), and per relation type and sentence distance at the saved threshold
    and at the model's best one."""
    out = {"micro": sweep(gold, pred, labels, saved)}
    for key, threshold in (("saved", saved), ("best", out["micro"]["best_threshold"])):
        chosen = above(pred, threshold)
        per_label = relation_scores(gold, chosen, labels)["per_label"]
        out[key] = {"per_label": {k: round(100 * v["f1"], 2) for k, v in per_label.items()},
                    "distance": by_distance(gold, chosen)}
    return out


# -- the run -----------------------------------------------------------------------------------


VARIANTS = (
    HeadConfig("span pairs (as briefed)"),
    HeadConfig("+ mean of the words between", between=True),
    HeadConfig("+ words between, sentence_window 3", between=True, sentence_window=3),
    HeadConfig("+ words between + figures between and nearest figure", between=True, structure=True),
)


def run(args) -> dict:
    # imported here: the pipeline loads every backend, which the doctests above do not need
    from transformers import AutoTokenizer

    from toll.models.inference.pipeline import Pipeline

    torch.set_num_threads(args.threads)
    load_start = os.getloadavg()[0]
    model_dir = Path(args.model)
    schema, labels = check_model_dir(model_dir)
    settings = InferenceSettings.load(model_dir)
    saved = DecisionThresholds.load(model_dir)
    classes = relation_label_names(schema)
    rel_labels = list(schema.relation_labels)
    tokenizer = AutoTokenizer.from_pretrained(model_dir / "tagger")
    case = case_marker_id(tokenizer)
    tagger = load_token_classifier(str(model_dir / "tagger")).eval()
    config_path = args.config or model_dir / "config.yaml"
    splits, states, encode_info = {}, {}, {}
    for split in ("train", "dev"):
        docs = load_gold_split(config_path, split)[0][: args.limit]
        toks = [tokenize(tokenizer, d.text, case) for d in docs]
        sents = [sentence_spans(d.text) for d in docs]
        splits[split] = (docs, toks, sents)

        def compute(toks=toks, sents=sents):
            pos, start = Positions(), time.perf_counter()
            out = word_states(tagger, tokenizer, toks, sents, settings.windows.max_tokens,
                              settings.windows.overlap_sentences, positions=pos)
            return out, {"seconds": round(time.perf_counter() - start, 1), **asdict(pos)}

        states[split], encode_info[split] = cached_states(Path(args.cache), split, [d.id for d in docs], compute)
        print(f"{split}: {len(docs)} documents encoded {encode_info[split]}", flush=True)

    # the span-pair heads: frozen states, gold entities
    heads, train_logs = {}, {}
    for config in VARIANTS:
        data = {}
        for split, (docs, toks, sents) in splits.items():
            data[split] = concat([
                pair_tensors(st, candidate_pairs(t, list(d.entities), s, schema, config.sentence_window,
                                                 {(r.head, r.tail): r.label for r in d.relations}),
                             list(schema.entity_labels), config.between)
                for d, t, s, st in zip(docs, toks, sents, states[split])])
        heads[config.name], train_logs[config.name] = [], []
        for seed in args.seeds:
            model, log = train_head(data["train"], data["dev"], classes, len(schema.entity_labels), config, seed)
            heads[config.name].append(ReadOnceRelations(model, schema, config))
            train_logs[config.name].append({k: v for k, v in log.items() if k != "log"})
            print(f"{config.name} seed {seed}: {train_logs[config.name][-1]}", flush=True)
        train_logs[config.name + " pairs"] = {s: int(len(v["labels"])) for s, v in data.items()}

    # today's marker model through the pipeline: gold entities, then end to end
    dev_docs, dev_toks, dev_sents = splits["dev"]
    pipe = Pipeline.from_pretrained(model_dir, backend="torch", threads=args.threads, calibrated=False)
    pipe.thresholds = DecisionThresholds(entity=saved.entity, relation=0.0)  # every argmax link, swept below
    runs = {}
    for mode, given in (("gold entities", True), ("end to end", False)):
        before = dict(pipe.timings)
        before_pos = pipe.backend.positions.record()
        start = time.perf_counter()
        preds = [p.document for p in pipe.predict_documents(dev_docs, entities_given=given)]
        wall = time.perf_counter() - start
        spent = {k: round(v - before.get(k, 0.0), 3) for k, v in pipe.timings.items()}
        after_pos = pipe.backend.positions.record()
        runs[mode] = {"pred": preds, "timings": spent, "wall": round(wall, 2),
                      "positions": {net: {k: after_pos[net][k] - before_pos[net][k] for k in ("rows", "real", "padding")}
                                    for net in ("tagger", "relation")}}
        print(f"pipeline {mode}: {spent}", flush=True)

    # the heads on the same entities, timed
    results = {"marker (today)": {}}
    entities = {"gold entities": [list(d.entities) for d in dev_docs],
                "end to end": [list(p.entities) for p in runs["end to end"]["pred"]]}
    for mode in entities:
        results["marker (today)"][mode] = scores(dev_docs, runs[mode]["pred"], rel_labels, saved.relation)
    head_seconds = {}
    for name, seeded in heads.items():
        results[name] = {}
        for mode, ents in entities.items():
            per_seed, times = [], []
            for head in seeded:
                start = time.perf_counter()
                rels = head.relate(states["dev"], dev_toks, dev_sents, ents)
                times.append(time.perf_counter() - start)
                preds = [d.with_annotations(e, r) for d, e, r in zip(dev_docs, ents, rels)]
                per_seed.append(scores(dev_docs, preds, rel_labels, saved.relation))
            results[name][mode] = mean_scores(per_seed)
            head_seconds[(name, mode)] = statistics.median(times)
    words = sum(count_words(tokenizer, d.text) for d in dev_docs)
    return {"machine": machine(), "model": str(model_dir), "config": str(config_path), "seeds": list(args.seeds),
            "threads": args.threads, "load": [load_start, os.getloadavg()[0]],
            "articles": len(dev_docs), "train_articles": len(splits["train"][0]), "words": words, "saved_thresholds": asdict(saved),
            "encode": encode_info, "train": train_logs, "variants": [asdict(v) for v in VARIANTS],
            "results": results,
            "pipeline": {m: {k: v for k, v in r.items() if k != "pred"} for m, r in runs.items()},
            "head_seconds": {f"{n} | {m}": round(s, 4) for (n, m), s in head_seconds.items()}}


def mean_scores(per_seed: list[dict]) -> dict:
    """Seed means (and the spread of the micro-F1s) of :func:`scores` results."""
    first = per_seed[0]
    micro = {k: round(statistics.mean(s["micro"][k] for s in per_seed), 3) for k in first["micro"]}
    micro["saved_std"] = round(statistics.pstdev(s["micro"]["saved"] for s in per_seed), 2)
    micro["best_std"] = round(statistics.pstdev(s["micro"]["best"] for s in per_seed), 2)
    out = {"micro": micro}
    for key in ("saved", "best"):
        out[key] = {
            "per_label": {k: round(statistics.mean(s[key]["per_label"][k] for s in per_seed), 2)
                          for k in first[key]["per_label"]},
            "distance": {b: {k: round(statistics.mean(s[key]["distance"][b][k] for s in per_seed), 4)
                             for k in ("precision", "recall", "f1", "tp", "fp", "fn")} for b in first[key]["distance"]}}
    return out


TODAY = "marker (today)"
# what the numbers mean, written after reading them (the list above is computed)
NOTES = """\
How to read it (the numbers are the tables' and the verdict lines', recomputed on every run): the heads are \
frozen-state results, since the tagger's encoder never saw a relation loss, so they are a lower bound for a jointly \
trained read-once model. Where they fall short, look at the distance table: a frozen tagger state says what a span \
is, not which event it belongs to, so links across a sentence boundary are where such heads lose. Next, in order: \
(1) fine-tune the encoder jointly (tagging loss + this span-pair head's loss) so the states carry which event a span \
belongs to; (2) levitated markers (PL-Marker): the figures' markers packed as extra positions sharing their words' \
position ids, one pass per window instead of one per figure; (3) more features: a small attention layer from the \
figure's span over the window's states, and the other entities' types around the tail."""


def _f(x: float) -> str:
    return f"{x:.2f}"


def verdict(result: dict, tolerance: float = 0.5) -> list[tuple[str, bool, dict]]:
    """Per head variant: whether it keeps within ``tolerance`` points of today's model on dev, with
    the gold entities and end to end, each model at its own best dev threshold; and its shortfalls
    (today minus the head, points) there and at the saved threshold."""
    today, out = result["results"][TODAY], []
    for name, res in result["results"].items():
        if name == TODAY:
            continue
        gaps = {f"{mode}, at {k}": round(today[mode]["micro"][k] - res[mode]["micro"][k], 2)
                for k in ("best", "saved") for mode in today}
        out.append((name, all(v <= tolerance for k, v in gaps.items() if k.endswith("best")), gaps))
    return out


def render(result: dict) -> str:
    m, n, res = result["machine"], result["articles"], result["results"]
    saved = result["saved_thresholds"]
    lines = [
        "# Read each word once: relations from the tagger's own states (issue 18)", "",
        f"Produced by `{COMMAND}`.", "",
        f"Machine: {m['cpu']} ({', '.join(m['features']) or 'no AVX-512'}), {m['cores']} cores shared with other "
        f"jobs (1-minute load average {result['load'][0]:.1f} at the start, {result['load'][1]:.1f} at the end), "
        f"{result['threads']} torch thread(s), torch {m['torch']}, no GPU. Model `{result['model']}`; dev split "
        f"{n} articles ({result['words']:,} words), train split {result['train_articles']} articles. Saved thresholds: "
        f"entity {saved['entity']:g}, relation {saved['relation']:g}.", "",
        "Today's model is the marker relation classifier (one 256-token marked re-encoding per casualty figure) run "
        "by `Pipeline.predict_documents` (torch fp32), with the gold entities (`entities_given=True`) and end to "
        "end on the tagger's entities (entity threshold as saved). The read-once heads read the same entities: "
        "the end-to-end rows score every head on the entities of that same pipeline run. Each head is a small MLP "
        "on the frozen states of the default model's tagger (last layer, averaged over overlapping windows, first "
        "token of each word; cached in float16), trained on the train split's gold entities and early-stopped on dev candidate "
        f"micro-F1; figures are means over seeds {', '.join(map(str, result['seeds']))} (± the spread).", "",
        "## Accuracy", "",
        "Dev relation micro-F1 (points; a link counts when its label and both spans match). \"at saved\" uses "
        f"thresholds.json's relation threshold ({saved['relation']:g}, tuned for today's model); \"at best\" each "
        "model's best relation threshold on this same dev split (0, 0.05, ..., 0.95; optimistic for both).", "",
        "| relation model | gold entities, at saved | gold entities, at best (threshold) | end to end, at saved "
        "| end to end, at best (threshold) |",
        "|---|---:|---:|---:|---:|",
    ]
    for name, r in res.items():
        cells = []
        for mode in ("gold entities", "end to end"):
            mi = r[mode]["micro"]
            spread = (lambda k: f" ± {mi[k + '_std']:.2f}") if name != TODAY else (lambda k: "")
            cells += [f"{_f(mi['saved'])}{spread('saved')}", f"{_f(mi['best'])}{spread('best')} ({mi['best_threshold']:g})"]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    labels = list(next(iter(res.values()))["gold entities"]["best"]["per_label"])
    lines += ["", "Per relation type (F1, each model at its best dev threshold of the row's entities, as in the "
              "table above; the saved threshold's figures are in the .json):", "",
              "| relation model | entities | " + " | ".join(labels) + " |",
              "|---|---|" + "---:|" * len(labels)]
    for name, r in res.items():
        for mode in ("gold entities", "end to end"):
            lines.append(f"| {name} | {mode} | " + " | ".join(_f(r[mode]["best"]["per_label"][k]) for k in labels) + " |")
    lines += ["", "By sentence distance between figure and tail (gold entities, best dev threshold): recall over the "
              "gold links at that distance (found / gold) and precision of the links predicted there. Both "
              "models read candidates within `sentence_window` 1 except the window-3 head.", "",
              "| relation model | " + " | ".join(SENTENCE_BUCKETS) + " |", "|---|" + "---:|" * len(SENTENCE_BUCKETS)]
    for name, r in res.items():
        cells = []
        for b in SENTENCE_BUCKETS:
            d = r["gold entities"]["best"]["distance"][b]
            gold = d["tp"] + d["fn"]
            cells.append(f"R {d['recall']:.2f} ({d['tp']:g}/{gold:g}), P {d['precision']:.2f}")
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    pipe, words = result["pipeline"], result["words"]
    e2e = pipe["end to end"]
    tag_pos = e2e["positions"]["tagger"]
    tag_per_word = (tag_pos["real"] + tag_pos["padding"]) / words
    lines += ["", "## Speed", "",
              "Relation stage, seconds per dev article, on the same entities and the same machine in the same process "
              "(today's: `pipeline.timings[\"relations\"]`, marked inputs + network; a head's: candidates + pooling + "
              "MLP from the tagger states already computed, median of the seeds' runs). Encoder positions per word: "
              "what the networks read, padding included, over the dev words.", "",
              "| relation model | s/article, gold entities | s/article, end to end | relation positions per word "
              "| all encoder positions per word (tagger + relation) |",
              "|---|---:|---:|---:|---:|"]
    for name in res:
        if name == TODAY:
            secs = [pipe[mode]["timings"]["relations"] / n for mode in ("gold entities", "end to end")]
            rel = e2e["positions"]["relation"]
            rel_per_word = (rel["real"] + rel["padding"]) / words
        else:
            secs = [result["head_seconds"][f"{name} | {mode}"] / n for mode in ("gold entities", "end to end")]
            rel_per_word = 0.0
        lines.append(f"| {name} | {secs[0]:.4f} | {secs[1]:.4f} | {rel_per_word:.2f} | {tag_per_word + rel_per_word:.2f} |")
    rel = e2e["positions"]["relation"]
    lines += ["", f"For scale: the tagger stage took {e2e['timings']['tagger'] / n:.3f} s per article in the same end-to-end "
              f"run (so today's relation stage was {100 * e2e['timings']['relations'] / (e2e['timings']['tagger'] + e2e['timings']['relations']):.0f}% "
              f"of tagger + relations); today's relation network read {rel['rows']} marked inputs ({rel['real']:,} real "
              f"positions, {100 * rel['padding'] / max(1, rel['real'] + rel['padding']):.1f}% padding). Encoding the train "
              f"and dev splits for the cache: {result['encode']['train']['seconds']:.0f} s and "
              f"{result['encode']['dev']['seconds']:.0f} s (this experiment's own pass; in a read-once pipeline the "
              "tagger's pass yields these states at no extra cost, the states before its output layer).", ""]
    lines += ["## Verdict", ""]
    for name, ok, gaps in verdict(result):
        shown = "; ".join(f"{k} {v:+.2f}" for k, v in gaps.items())
        lines.append(f"- **{name}**: {'within' if ok else 'not within'} 0.5 F1 of today's model at each model's best "
                     f"dev threshold. Shortfall in points (today minus head): {shown}.")
    lines += ["", NOTES, ""]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", default="runs/default/model")
    parser.add_argument("--config", default=None, help="training config naming the corpus (default: the model's)")
    parser.add_argument("--cache", default="runs/read_once")
    parser.add_argument("--seeds", type=int, nargs="+", default=[13, 14])
    parser.add_argument("--threads", type=int, default=1,
                        help="torch threads (1: on shared cores two threads spin-wait, ten times slower)")
    parser.add_argument("--limit", type=int, default=None, help="first N documents of each split (a quick check)")
    parser.add_argument("--json", default=None, help="raw results (default: --write with .json)")
    parser.add_argument("--write", default=None, help="the markdown report")
    parser.add_argument("--render", default=None, metavar="JSON", help="only re-render --write from a saved result")
    args = parser.parse_args(argv)
    result = json.loads(Path(args.render).read_text()) if args.render else run(args)
    out_json = args.json or (str(Path(args.write).with_suffix(".json")) if args.write else None)
    if out_json and not args.render:
        atomic_write_text(out_json, json.dumps(result, indent=1, default=str) + "\n")
    if args.write:
        atomic_write_text(args.write, render(result))


if __name__ == "__main__":
    main()
