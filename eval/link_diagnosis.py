"""Gold links diagnosed by sentence distance: for every gold relation, whether its candidate pair
existed, what the relation classifier scored it, and why it was lost.

``python -m toll.eval.link_diagnosis --model DIR [--config CONFIG] [--split dev] --out DIR`` writes
``links.md`` and ``links.json``. Both runs of an evaluation are diagnosed: the relation classifier on
the gold entities, and end to end on the entities the tagger predicted (after the entity threshold).
The distance is the difference of sentence indices (:func:`toll.models.text.sentences.sentence_index`
of each span's start, as the candidates are built), bucketed ``0``, ``1``, ``2``, ``3+``.

Each gold link gets one fate, the first that fits:

- end to end only: **figure not predicted** (no predicted span with the figure's bounds and label),
  **tail not predicted** (nothing predicted overlaps the tail), **tail bounds differ** (an overlapping
  span of the right label), **wrong tail type** (only spans of another label overlap it);
- **beyond reach**: more than ``sentence_window`` sentences apart, so never a candidate;
- **truncated**: within reach but not scored (a marker fell outside ``max_tokens``);
- scored, from the class probabilities at ``min_score`` 0: **lost to none** or **lost to another
  relation** (the argmax is not the gold label), **below threshold** (the argmax is the gold label
  but scores under the model's relation threshold), else **found**.

The precision side counts the links predicted at the model's thresholds by distance, and how many
are wrong. A document that may not be committed (standoff: MUC-4, BBC Online) is shown by offsets.

>>> scored_fate({"none": 0.3, "perpetrator": 0.7}, "perpetrator", 0.7)
'found'
>>> scored_fate({"none": 0.4, "perpetrator": 0.6}, "perpetrator", 0.7)
'below threshold'
>>> scored_fate({"none": 0.1, "source": 0.6, "perpetrator": 0.3}, "perpetrator", 0.7)
'lost to another relation'
>>> [distance_bucket(d) for d in (0, 1, 2, 3, 7)]
['0', '1', '2', '3+', '3+']
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
from collections import Counter, defaultdict
from pathlib import Path
from typing import Callable

import numpy as np

from toll.eval.gold import load_gold_split
from toll.models.common.atomic import atomic_write_text
from toll.models.common.errors import TollError, run_command
from toll.models.networks.batching import batches, softmax
from toll.models.networks.relation_encoding import NONE_LABEL, build_head_examples
from toll.models.text.alignment import tokenize
from toll.models.text.document import Document, Entity
from toll.models.text.schema import Schema
from toll.models.text.sentences import sentence_index, sentence_spans
from toll.training.corpus.real_splits import kind

DISTANCES = ("0", "1", "2", "3+")
ENTITY_FATES = ("figure not predicted", "tail not predicted", "tail bounds differ", "wrong tail type")
FATES = (*ENTITY_FATES, "beyond reach", "truncated", "lost to none", "lost to another relation",
         "below threshold", "found")
MISSED_SCORED = ("lost to none", "lost to another relation", "below threshold")
MODES = ("gold entities", "end to end")
ScoreMap = Callable[[float], float]  # a link's probability -> the score the pipeline reports (its calibration)
EXAMPLES = 3
SENTENCE_CHARS = 300
# a claim of responsibility or blame in the tail's sentence ("later said its fighters had carried out the raid")
CLAIM_CUE = re.compile(
    r"\bclaim|\bresponsib|\bblam|\baccus|\bcarried out\b|\bbehind the\b|\bsaid (?:its|it|their|they)\b", re.IGNORECASE)


def distance_bucket(d: int) -> str:
    return str(d) if d < 3 else "3+"


def _raw(p: float) -> float:
    return p


def scored_fate(probs: dict[str, float], label: str, threshold: float, score_map: ScoreMap = _raw) -> str:
    """The fate of a scored gold pair from its class probabilities (argmax, as the pipeline decides;
    the threshold compares the reported score, ``score_map`` of the probability)."""
    best = max(probs, key=probs.get)
    if best == NONE_LABEL:
        return "lost to none"
    if best != label:
        return "lost to another relation"
    return "found" if score_map(probs[label]) >= threshold else "below threshold"


def score_candidates(classifier, toks, sentences, entities) -> list[dict[tuple[str, str], dict[str, float]]]:
    """Per document, every scored candidate pair ``(head, tail)`` -> class probabilities: the batch
    path of :meth:`RelationClassifier.relate` without its argmax and floor. A pair missing here was
    not scored (beyond reach, not allowed, or truncated)."""
    # torch comes with the padding; `toll-eval --help` imports this module and needs neither
    from toll.models.networks.relation_classifier import pad_relation_batch

    jobs = [(d, ex) for d, (tok, sents, ents) in enumerate(zip(toks, sentences, entities))
            for ex in build_head_examples(tok, ents, sents, classifier.encoding)]
    jobs.sort(key=lambda j: len(j[1].input_ids))
    out: list[dict] = [{} for _ in toks]
    for batch in batches(jobs, classifier.batch_size):
        tensors = pad_relation_batch([ex.model_inputs() for _, ex in batch], classifier.encoding.pad_id)
        probs = softmax(np.asarray(classifier.network(tensors), dtype=np.float64))
        for i, (d, ex) in enumerate(batch):
            for k, tail in enumerate(ex.tail_ids):
                out[d][(ex.head_id, tail)] = {c: float(probs[i, k, j]) for j, c in enumerate(classifier.classes)}
    return out


def _span_match(gold: Entity, entities: list[Entity]) -> tuple[Entity | None, str | None]:
    """The entity with the gold span's bounds and label, or the fate that says why there is none."""
    for e in entities:
        if (e.start, e.end, e.label) == (gold.start, gold.end, gold.label):
            return e, None
    over = [e for e in entities if e.overlaps(gold)]
    if not over:
        return None, "tail not predicted"
    return None, "tail bounds differ" if any(e.label == gold.label for e in over) else "wrong tail type"


def link_fates(gold: Document, entities: list[Entity], scores: dict, sentences: list[tuple[int, int]],
               window: int, threshold: float, score_map: ScoreMap = _raw) -> list[dict]:
    """One row per gold relation of ``gold``: its distance, fate and the gold label's score, given
    the ``entities`` the classifier saw and its ``scores`` (:func:`score_candidates`)."""
    ents = gold.entity_map()
    rows = []
    for r in gold.relations:
        head, tail = ents[r.head], ents[r.tail]
        sentence_of_tail = sentence_index(sentences, tail.start) if sentences else 0
        d = abs(sentence_of_tail - (sentence_index(sentences, head.start) if sentences else 0))
        row = {"doc": gold.id, "relation": r.label, "distance": d, "head": head, "tail": tail, "score": None,
               "winner": None, "predicted_tail_label": None,
               "claim_cue": bool(CLAIM_CUE.search(_sentence_text(gold, sentences, sentence_of_tail)))}
        p_head, _ = _span_match(head, entities)
        p_tail, tail_fate = _span_match(tail, entities)
        if p_head is None:
            row["fate"] = "figure not predicted"
        elif p_tail is None:
            row["fate"] = tail_fate
            row["predicted_tail_label"] = next((e.label for e in entities if e.overlaps(tail)), None)
        elif d > window:
            row["fate"] = "beyond reach"
        elif (p_head.id, p_tail.id) not in scores:
            row["fate"] = "truncated"
        else:
            probs = scores[(p_head.id, p_tail.id)]
            row["fate"] = scored_fate(probs, r.label, threshold, score_map)
            row["score"] = round(probs.get(r.label, 0.0), 4)
            row["winner"] = max(probs, key=probs.get)
        rows.append(row)
    return rows


def predicted_links(doc: Document, entities: list[Entity], scores: dict, sentences, threshold: float,
                    score_map: ScoreMap = _raw) -> list[dict]:
    """The links the pipeline predicts from ``scores`` at ``threshold``, each with its distance and
    whether the gold has it (label and both spans, as :mod:`toll.models.scoring` counts)."""
    ents = {e.id: e for e in entities}
    gold_ents = doc.entity_map()
    gold_keys = {(r.label, _key(gold_ents[r.head]), _key(gold_ents[r.tail])) for r in doc.relations}
    gold_spans = {_key(e) for e in doc.entities}
    rows = []
    for (h, t), probs in scores.items():
        label = max(probs, key=probs.get)
        if label == NONE_LABEL or score_map(probs[label]) < threshold:
            continue
        head, tail = ents[h], ents[t]
        d = abs(sentence_index(sentences, tail.start) - sentence_index(sentences, head.start)) if sentences else 0
        rows.append({"relation": label, "distance": d, "right": (label, _key(head), _key(tail)) in gold_keys,
                     "ends_gold": _key(head) in gold_spans and _key(tail) in gold_spans})
    return rows


def _key(e: Entity) -> tuple[int, int, str]:
    return e.start, e.end, e.label


def _sentence_text(doc: Document, sentences, index: int) -> str:
    if not sentences:
        return doc.text
    s, e = sentences[index]
    return doc.text[s:e]


def _hidden(doc: Document) -> bool:
    """A text that may not be committed (MUC-4, BBC Online): shown by offsets only, as :mod:`toll.eval.errors`."""
    return "standoff" in doc.meta.get("data", {})


def _shown(doc: Document, start: int, end: int, limit: int | None = None) -> str:
    if _hidden(doc):
        return f"({start}-{end}, standoff text)"
    text = doc.text[start:end]
    return text if limit is None or len(text) <= limit else text[:limit] + "..."


def _example(doc: Document, row: dict, sentences) -> dict:
    head, tail = row["head"], row["tail"]
    idx = sorted({sentence_index(sentences, head.start), sentence_index(sentences, tail.start)}) if sentences else []
    shown = [_shown(doc, *sentences[i], limit=SENTENCE_CHARS) for i in idx]
    note = f"tagged {row['predicted_tail_label']}" if row["predicted_tail_label"] else ""
    if row["winner"] not in (None, NONE_LABEL, row["relation"]):
        note = f"argmax {row['winner']}"
    return {"doc": doc.id, "relation": row["relation"], "distance": row["distance"],
            "figure": _shown(doc, head.start, head.end), "tail": _shown(doc, tail.start, tail.end),
            "score": row["score"], "note": note, "sentences": " ... ".join(shown)}


def _example_order(row: dict, doc: Document) -> tuple:
    """Perpetrator and source links across sentences first (what the issue is about), then texts
    that can be shown."""
    return (row["relation"] not in ("perpetrator", "source"), row["distance"] == 0, _hidden(doc), row["doc"])


def summarize(rows: list[dict], predicted: list[dict], docs: dict[str, Document], sentences: dict) -> dict:
    """Counts (relation x distance x fate), score distributions of scored misses, the precision side
    and a few examples per fate."""
    counts: dict = defaultdict(lambda: defaultdict(Counter))
    scored: dict = defaultdict(lambda: defaultdict(list))
    missed: dict = defaultdict(lambda: defaultdict(list))
    for r in rows:
        b = distance_bucket(r["distance"])
        counts[r["relation"]][b][r["fate"]] += 1
        if r["score"] is not None:
            scored[r["relation"]][b].append(r["score"])
            if r["fate"] in MISSED_SCORED:
                missed[r["relation"]][b].append(r["score"])
    scores = {rel: {b: _distribution(scored[rel][b], missed[rel][b]) for b in scored[rel]} for rel in scored}
    precision: dict = defaultdict(lambda: defaultdict(Counter))
    for p in predicted:
        c = precision[p["relation"]][distance_bucket(p["distance"])]
        c["predicted"] += 1
        c["wrong"] += not p["right"]
        c["wrong, both ends gold"] += (not p["right"]) and p["ends_gold"]
    examples: dict[str, list] = {}
    for fate in FATES:
        of_fate = sorted((r for r in rows if r["fate"] == fate),
                         key=lambda r: _example_order(r, docs[r["doc"]]))[:EXAMPLES]
        if of_fate:
            examples[fate] = [_example(docs[r["doc"]], r, sentences[r["doc"]]) for r in of_fate]
    return {"gold_links": len(rows), "counts": _plain(counts), "scores": scores, "precision": _plain(precision),
            "tail_types": dict(Counter(f"{r['tail'].label} tagged {r['predicted_tail_label']}" for r in rows
                                       if r["fate"] == "wrong tail type")),
            "claims": _claims(rows), "examples": examples}


def _distribution(all_scores: list[float], missed: list[float]) -> dict:
    return {"scored": len(all_scores), "median_scored": round(statistics.median(all_scores), 4),
            "missed_scored": len(missed),
            "median_missed": round(statistics.median(missed), 4) if missed else None,
            "missed_at_least_0.5": sum(s >= 0.5 for s in missed)}


def _claims(rows: list[dict]) -> dict:
    """Perpetrator links by distance, with and without a claim/blame cue in the tail's sentence."""
    out: dict = defaultdict(Counter)
    for r in rows:
        if r["relation"] != "perpetrator":
            continue
        cue = "cue" if r["claim_cue"] else "no cue"
        out[distance_bucket(r["distance"])][f"links, {cue}"] += 1
        out[distance_bucket(r["distance"])][f"found, {cue}"] += r["fate"] == "found"
    return _plain(out)


def _plain(nested) -> dict:
    """Nested defaultdicts and Counters as plain dicts in a fixed order (buckets by distance)."""
    if isinstance(nested, dict):
        keys = sorted(nested, key=lambda k: (DISTANCES.index(k) if k in DISTANCES else -1, str(k)))
        return {k: _plain(nested[k]) for k in keys}
    return nested


def link_census(docs: list[Document], schema: Schema) -> dict:
    """Per relation and distance, the schema-allowed (figure, tail) pairs of the gold entities at any
    distance and the gold links among them: what widening the reach would add. Perpetrator links
    also count those with a claim/blame cue in the tail's sentence."""
    out: dict = defaultdict(lambda: defaultdict(Counter))
    for doc in docs:
        sentences = sentence_spans(doc.text)
        sent = {e.id: sentence_index(sentences, e.start) if sentences else 0 for e in doc.entities}
        links = {(r.head, r.tail): r.label for r in doc.relations}
        for h in doc.entities:
            if schema.casualty_kind(h.label) is None:
                continue
            for t in doc.entities:
                for rel in schema.relations_between(h.label, t.label) if t.id != h.id else ():
                    c = out[rel][distance_bucket(abs(sent[t.id] - sent[h.id]))]
                    linked = links.get((h.id, t.id)) == rel
                    c["pairs"] += 1
                    c["links"] += linked
                    if rel == "perpetrator" and CLAIM_CUE.search(_sentence_text(doc, sentences, sent[t.id])):
                        c["pairs with a claim/blame cue"] += 1
                        c["links with a claim/blame cue"] += linked
    return _plain(out)


def census_by_kind(docs: list[Document], schema: Schema, relation: str = "perpetrator") -> dict:
    """:func:`link_census` of one relation for each kind of text (written for the project, MUC-4, ...)."""
    groups: dict[str, list[Document]] = defaultdict(list)
    for doc in docs:
        groups[kind(doc.meta.get("data", {}))].append(doc)
    return {name: link_census(group, schema).get(relation, {}) for name, group in sorted(groups.items())}


def diagnose(pipeline, gold: list[Document], predicted: list[Document] | None = None) -> dict:
    """Diagnose ``gold``'s links with ``pipeline`` (a :class:`toll.models.inference.pipeline.Pipeline`,
    or anything with its ``schema``, ``tokenizer``, ``case_marker``, ``relation_classifier``,
    ``thresholds`` and ``predict_documents``). ``predicted``: the pipeline's end-to-end documents
    when the caller has them already (their entities are reused; relations are scored again)."""
    if predicted is None:
        predicted = [p.document for p in pipeline.predict_documents(d.without_annotations() for d in gold)]
    classifier = pipeline.relation_classifier
    window, threshold = classifier.encoding.sentence_window, pipeline.thresholds.relation
    calibrated = getattr(classifier, "score_map", None)  # a calibrated model compares mapped scores
    score_map = calibrated or _raw
    sentences = [sentence_spans(d.text) for d in gold]
    toks = [tokenize(pipeline.tokenizer, d.text, pipeline.case_marker) for d in gold]
    docs, by_doc = {d.id: d for d in gold}, {d.id: s for d, s in zip(gold, sentences)}
    out = {"articles": len(gold), "standoff_articles": sum(_hidden(d) for d in gold),
           "settings": {"sentence_window": window, "max_tokens": classifier.encoding.max_tokens,
                        "relation_threshold": threshold, "entity_threshold": pipeline.thresholds.entity,
                        "threshold_compares": "calibrated scores" if calibrated else "raw probabilities"},
           "modes": {}, "census": link_census(gold, pipeline.schema),
           "perpetrator_census_by_kind": census_by_kind(gold, pipeline.schema)}
    for mode, entities in zip(MODES, ([list(d.entities) for d in gold], [list(p.entities) for p in predicted])):
        scores = score_candidates(classifier, toks, sentences, entities)
        rows = [r for d, e, s, sc in zip(gold, entities, sentences, scores)
                for r in link_fates(d, e, sc, s, window, threshold, score_map)]
        preds = [p for d, e, s, sc in zip(gold, entities, sentences, scores)
                 for p in predicted_links(d, e, sc, s, threshold, score_map)]
        out["modes"][mode] = summarize(rows, preds, docs, by_doc)
    return out


# -- markdown ------------------------------------------------------------------------------------
def _table(header: list[str], rows: list[list]) -> list[str]:
    def fmt(x):
        return "-" if x is None else (f"{x:.3f}" if isinstance(x, float) else str(x))
    return (["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
            + ["| " + " | ".join(fmt(x).replace("|", "/").replace("\n", " ") for x in row) + " |" for row in rows])


def _relations(block: dict) -> list[str]:
    first = ["perpetrator", "source"]
    return first + sorted(r for r in block if r not in first) if block else []


def fates_table(mode: dict, end_to_end: bool, relations: list[str] | None = None) -> list[str]:
    """Gold links by relation and distance, one column per fate, and the scores of scored misses."""
    fates = [f for f in FATES if end_to_end or f not in ENTITY_FATES]
    rows = []
    for rel in relations or _relations(mode["counts"]):
        for b, c in mode["counts"].get(rel, {}).items():
            s = mode["scores"].get(rel, {}).get(b)
            missed = f"{s['median_missed']:.2f} / {s['missed_at_least_0.5']} of {s['missed_scored']}" \
                if s and s["missed_scored"] else "-"
            rows.append([rel, b, sum(c.values()), *[c.get(f, 0) for f in fates], s["median_scored"] if s else None,
                         missed])
    return _table(["relation", "distance", "gold links", *fates, "scored: median p",
                   "scored misses: median p / p >= 0.5"], rows)


def links_markdown(diagnosis: dict | None, relations: list[str] | None = ("perpetrator", "source")) -> list[str]:
    """The report's section (:mod:`toll.eval.report`): perpetrator and source links by distance."""
    if not diagnosis:
        return []
    s = diagnosis["settings"]
    parts = ["## Links by sentence distance", "",
             f"Every gold perpetrator and source link's fate (`eval/link_diagnosis.py`): candidates reach "
             f"{s['sentence_window']} sentence(s), relation threshold {s['relation_threshold']:.2f}. All relations, "
             "the precision side and examples: `python -m toll.eval.link_diagnosis` (for the dev split, "
             "`eval/reports/default/dev/links.md`).", ""]
    for mode in MODES:
        parts += [f"{mode.capitalize()}:", "",
                  *fates_table(diagnosis["modes"][mode], mode == "end to end", list(relations or [])), ""]
    return parts


def render_markdown(d: dict, command: str) -> str:
    s = d["settings"]
    parts = ["# Gold links by sentence distance", "", f"Regenerate: `{command}`", "",
             f"{d['split']}, {d['articles']} articles ({d['standoff_articles']} standoff, shown by offsets). "
             f"Candidates reach {s['sentence_window']} sentence(s) either side of the figure, "
             f"{s['max_tokens']} tokens; relation threshold {s['relation_threshold']:.2f}, entity threshold "
             f"{s['entity_threshold']:.2f} (both compare {s['threshold_compares']}). Distance = difference "
             "of sentence indices of the two spans' starts. Fates and their order: `eval/link_diagnosis.py`. "
             "p: the gold label's raw probability (median over the scored gold links; over the scored misses, "
             "with how many of them reach 0.5).", ""]
    for mode in MODES:
        m = d["modes"][mode]
        parts += [f"## Fates, {mode} ({m['gold_links']} gold links)", "",
                  *fates_table(m, mode == "end to end"), ""]
        if m["tail_types"]:
            parts += ["Wrong tail types: " + ", ".join(f"{k} ({v})" for k, v in m["tail_types"].items()) + ".", ""]
    parts += ["## Precision side: links predicted at the thresholds", "",
              "A wrong link with both ends gold entities is a pairing error, the cost widening the reach risks.", ""]
    rows = [[mode, rel, b, c.get("predicted", 0), c.get("wrong", 0), c.get("wrong, both ends gold", 0)]
            for mode in MODES for rel in _relations(d["modes"][mode]["precision"])
            for b, c in d["modes"][mode]["precision"].get(rel, {}).items()]
    parts += [*_table(["entities", "relation", "distance", "predicted", "wrong", "wrong, both ends gold"], rows), ""]
    parts += ["## Candidates at any distance (gold entities)", "",
              "Schema-allowed (figure, tail) pairs and the gold links among them, on this split and on "
              "the training split: what a wider reach would add, and what training has seen.", ""]
    census_rows = []
    for name, census in (("this split", d["census"]), ("train", d.get("train_census") or {})):
        for rel in _relations(census):
            for b, c in census.get(rel, {}).items():
                cue = (f"{c.get('links with a claim/blame cue', 0)} of {c.get('pairs with a claim/blame cue', 0)}"
                       if rel == "perpetrator" else "-")
                census_rows.append([name, rel, b, c.get("pairs", 0), c.get("links", 0), cue])
    parts += [*_table(["split", "relation", "distance", "pairs", "gold links",
                       "claim/blame cue in the tail's sentence: links of pairs"], census_rows), ""]
    by_kind = [[name, k, b, c.get("pairs", 0), c.get("links", 0),
                f"{c.get('links with a claim/blame cue', 0)} of {c.get('pairs with a claim/blame cue', 0)}"]
               for name, key in (("this split", "perpetrator_census_by_kind"),
                                 ("train", "train_perpetrator_census_by_kind"))
               for k, by_b in (d.get(key) or {}).items() for b, c in by_b.items()]
    parts += ["Perpetrator pairs by kind of text (`toll.training.corpus.real_splits.kind`):", "",
              *_table(["split", "kind", "distance", "pairs", "gold links",
                       "claim/blame cue in the tail's sentence: links of pairs"], by_kind), ""]
    claims = d["modes"]["gold entities"]["claims"]
    parts += ["## Perpetrator links and claims of responsibility (gold entities)", "",
              "Cue: the tail's sentence claims or blames (`CLAIM_CUE`).", "",
              *_table(["distance", "links, cue", "found, cue", "links, no cue", "found, no cue"],
                      [[b, c.get("links, cue", 0), c.get("found, cue", 0), c.get("links, no cue", 0),
                        c.get("found, no cue", 0)] for b, c in claims.items()]), ""]
    for mode in MODES:
        parts += [f"## Examples, {mode}", ""]
        ex_rows = [[fate, x["doc"], x["relation"], x["distance"], x["figure"], x["tail"], x["score"], x["note"],
                    x["sentences"]] for fate, xs in d["modes"][mode]["examples"].items() for x in xs]
        parts += [*_table(["fate", "article", "relation", "distance", "figure", "tail", "p(gold)", "note",
                           "sentences"], ex_rows), ""]
    return "\n".join(parts)


# -- command -------------------------------------------------------------------------------------
def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m toll.eval.link_diagnosis", description=__doc__.splitlines()[0])
    parser.add_argument("--model", required=True)
    parser.add_argument("--config", help="training config naming the corpus (default: the model's own)")
    parser.add_argument("--split", default="dev")
    parser.add_argument("--out", required=True, help="folder for links.md and links.json")
    args = parser.parse_args(argv)
    return run_command(lambda: _run(args, argv if argv is not None else sys.argv[1:]))


def _run(args: argparse.Namespace, argv: list[str]) -> int:
    out = Path(args.out)
    if out.exists() and not out.is_dir():
        raise TollError(f"{out}: not a folder")
    config_path = args.config or Path(args.model) / "config.yaml"
    if not Path(config_path).is_file():
        raise TollError(f"{config_path}: training config not found (give --config)")
    gold, described = load_gold_split(config_path, args.split)
    if not gold:
        raise TollError(f"{described}: no documents")
    # imported here: the pipeline loads torch, which --help and bad arguments do not need
    from toll.models.inference.pipeline import Pipeline

    pipeline = Pipeline.from_pretrained(args.model)
    diagnosis = diagnose(pipeline, gold)
    diagnosis["split"] = described
    if args.split != "train":
        try:
            train, _ = load_gold_split(config_path, "train")
            diagnosis["train_census"] = link_census(train, pipeline.schema)
            diagnosis["train_perpetrator_census_by_kind"] = census_by_kind(train, pipeline.schema)
        except TollError:
            pass  # a corpus without a train split: no training census
    command = "python -m toll.eval.link_diagnosis " + " ".join(argv)
    diagnosis["command"] = command
    out.mkdir(parents=True, exist_ok=True)
    atomic_write_text(out / "links.md", render_markdown(diagnosis, command))
    atomic_write_text(out / "links.json", json.dumps(_jsonable(diagnosis), indent=1) + "\n")
    print(f"links: {out / 'links.md'}")
    return 0


def _jsonable(x):
    if isinstance(x, dict):
        return {str(k): _jsonable(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_jsonable(v) for v in x]
    return x


if __name__ == "__main__":
    sys.exit(main())
