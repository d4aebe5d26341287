"""The model card: ``README.md`` of a model directory, rendered from its config, schema and metrics.

:func:`toll.training.model_writer.write_model_dir` writes it after training with the dev scores;
``toll-eval`` on the test split renders it again with the test scores.
"""

from __future__ import annotations

from pathlib import Path

from toll.models.common.machine import machine, machine_in_words
from toll.models.inference.thresholds import FILENAME as THRESHOLDS_FILE
from toll.models.text.schema import Schema
from toll.training.config import TrainConfig


def render_model_card(config: TrainConfig, schema: Schema, metrics: dict, test: dict | None = None) -> str:
    t = metrics["training"]
    dev_tag, dev_rel = metrics["dev"]["tagger"], metrics["dev"]["relations"]
    out = Path(config.output_dir)
    lines = [
        f"# toll model: {out.parent.name if out.name == 'model' else out.name}",
        "",
        "Token classifier (casualty figures, actors, sources, places, dates, weapons) and marker-based",
        "relation classifier (perpetrator, source, location, date, weapon) for conflict news.",
        "",
        "## Training",
        f"- Encoder: `{config.encoder}`; schema `{schema.name}` v{schema.version} "
        f"({len(schema.entity_labels)} entity labels, {len(schema.relation_labels)} relations).",
        f"- Data: `{config.data.corpus}` with splits `{config.data.splits}`: {t['train_articles']} training "
        f"and {t['dev_articles']} dev articles (see `data/README.md`, `data/ATTRIBUTION.md`):",
        *_source_lines(t),
        "- Annotations: made for this project by language-model annotators under `data/GUIDELINES.md` "
        "(v3 for real text), reviewed against the guidelines; 60 real items were annotated twice, blind, and "
        "adjudicated (agreement in `data/README.md`).",
        f"- Tagger: {t['tagger']['train_windows']} training windows of at most {config.windows.max_tokens} "
        f"tokens{_public_windows(t['tagger'])}; {len(t['tagger']['alignment']['misaligned'])} spans snapped "
        f"to word boundaries, {len(t['tagger']['alignment']['dropped'])} dropped.",
        *_public_lines(t["tagger"]),
        f"- Relation classifier: {t['relations']['candidates']['candidates']} candidate pairs from "
        f"{t['relations']['candidates']['heads']} casualty spans within {config.relations.sentence_window} "
        f"sentence(s); {t['relations']['candidates']['gold_outside_candidates']} gold relations fall "
        "outside the candidate window.",
        f"- Time: {t['seconds_total'] / 60:.1f} min on {t.get('machine') or machine_in_words(machine())} "
        f"(tagger {t['tagger']['seconds'] / 60:.1f} min, relations {t['relations']['seconds'] / 60:.1f} min); "
        f"{t.get('precision', config.precision)} arithmetic; seed {config.seed}; world size "
        f"{t['tagger']['world_size']}.{_resumed_sentence(t)}",
        "",
        "## Dev scores (used for early stopping)",
        "| model | precision | recall | F1 |",
        "|---|---|---|---|",
        f"| tagger (seqeval strict IOB2, micro) | {dev_tag.get('precision', 0):.3f} | "
        f"{dev_tag.get('recall', 0):.3f} | {dev_tag.get('f1', 0):.3f} |",
        f"| relations (gold entities, micro) | {dev_rel.get('precision', 0):.3f} | "
        f"{dev_rel.get('recall', 0):.3f} | {dev_rel.get('f1', 0):.3f} |",
        "",
        *_threshold_lines(t.get("thresholds")),
    ]
    if test:
        lines += ["## Test scores", "", test["summary_markdown"], ""]
    lines += [
        "## Limits",
        "- Trained on English conflict reporting: articles written for the project, Wikipedia incident",
        "  summaries, Wikinews, government press releases and translated 1990s wire copy; expect lower",
        "  scores on other genres and on very long or badly segmented pages.",
        ("- The bundled encoder is uncased; a [CAP] marker before each capitalized word lets the model "
         "see capitalization." if config.case_marker else
         "- The bundled encoder is uncased: capitalization, a strong cue for names, is not seen."),
        "- Relations are only predicted within the configured sentence window around a figure.",
        *_score_lines(t.get("calibration"), test),
        "",
        "Reproduce: `toll-train <config>` then `toll-eval --model <this directory>`.",
    ]
    return "\n".join(lines) + "\n"


def source_counts(docs) -> dict[str, int]:
    """Articles per origin and licence, for the model card.

    >>> from toll.models.text.document import Document
    >>> source_counts([Document("a", "x", (), (), {"data": {"origin": "wikinews", "licence": "CC BY 2.5"}}),
    ...                Document("b", "y", (), (), {"data": {"written_for_project": True}})])
    {'wikinews (CC BY 2.5)': 1, 'written for the project': 1}
    """
    counts: dict[str, int] = {}
    for doc in docs:
        data = doc.meta.get("data", {})
        if data.get("written_for_project"):
            key = "written for the project"
        else:
            origin = data.get("origin") or "real reporting shipped with the brief (AFP)"
            key = f"{origin} ({str(data['licence']).split(' (')[0]})" if data.get("licence") else origin
        counts[key] = counts.get(key, 0) + 1
    return dict(sorted(counts.items()))


def _source_lines(training: dict) -> list[str]:
    lines = []
    for split in ("train", "dev"):
        for source, n in training.get(f"{split}_sources", {}).items():
            lines.append(f"  - {split}: {n} {source}")
    return lines


def _resumed_sentence(training: dict) -> str:
    """Say which stages resumed from a checkpoint: their time counts the last process only.

    >>> _resumed_sentence({"tagger": {"resumed_from": None}, "relations": {"resumed_from": "w/relation/checkpoint-420"}})
    ' The relations stage resumed from `checkpoint-420`: its time covers the last process only.'
    >>> _resumed_sentence({"tagger": {"resumed_from": None}, "relations": {"resumed_from": None}})
    ''
    """
    resumed = [(stage, Path(training[stage]["resumed_from"]).name) for stage in ("tagger", "relations")
               if training.get(stage, {}).get("resumed_from")]
    if not resumed:
        return ""
    stages = " and ".join(f"{stage} stage resumed from `{name}`" for stage, name in resumed)
    whose = "its time covers" if len(resumed) == 1 else "their times cover"
    return f" The {stages}: {whose} the last process only."


def _threshold_lines(tuned: dict | None) -> list[str]:
    if not tuned:
        return []
    ent, rel = tuned["entity_exact_f1"], tuned["relation_end_to_end_f1"]
    on = " on the calibrated scores" if str(tuned.get("scores", "")).startswith("calibrated") else ""
    return [f"Decision thresholds, tuned on {tuned['tuned_on']}{on} and saved in `{THRESHOLDS_FILE}`: entities scored below "
            f"{tuned['entity']:.2f} and relations below {tuned['relation']:.2f} are dropped. On dev they move "
            f"entity exact-span F1 from {ent['at_zero']:.3f} to {ent['at_threshold']:.3f} and end-to-end "
            f"relation F1 from {rel['at_zero']:.3f} to {rel['at_threshold']:.3f}; `--min-score 0` keeps every "
            "argmax decision.", ""]


def _public_windows(tagger: dict) -> str:
    if not tagger.get("public"):
        return ""
    return (f" ({tagger['project_windows']} from the project's articles, whose spans are counted next; "
            "the rest from public corpora)")


def _public_lines(tagger: dict) -> list[str]:
    """One line per public corpus the tagger learned from, with its counts."""
    sources = tagger.get("public")
    if not sources:
        return []
    method = {"mask": "masked: an unmarked word may be `O` or any tag of a label the corpus does not "
                      "annotate (partial-label loss)",
              "as_o": "taught as `O` (the naive method)"}[tagger["partial_annotation"]]
    lines = ["- Public corpora, for the tagger only (the relation classifier, dev and test use the project's "
             f"corpus); text they leave unannotated is {method}:"]
    for s in sources:
        labels = ", ".join(f"{k} {v}" for k, v in s["entities"].items()) or "no spans"
        exhaustive = ", ".join(s["annotated_labels"]) or "none"
        split = s["split"] + (f", limit {s['limit']}" if s["limit"] else "")
        left_out = s["uninformative_windows_left_out"]
        left_out = f" ({left_out} without any constraint left out)" if left_out else ""
        documents = f"{s['documents']} document" + ("s" if s["documents"] != 1 else "")
        lines.append(f"  - {s['corpus']} ({split}; `{s['mapping']}`): {documents}, "
                     f"{s['windows']} windows{left_out}; spans: {labels}; annotated exhaustively: {exhaustive}.")
    return lines


def _score_lines(calibration: dict | None, test: dict | None) -> list[str]:
    """What the scores mean: calibrated on dev (``calibration.json``) or the networks' raw probabilities."""
    if calibration:
        measured = ("" if not test or "ece" not in test else
                    f" On the test split the entity scores' expected calibration error is {test['ece']:.3f} "
                    "(10 equal-mass bins; the evaluation report has both heads with intervals).")
        return ["- Scores are calibrated on " + calibration["fitted_on"] + " (`calibration.json`: "
                f"{calibration['entity']['method']} for entities, {calibration['relation']['method']} for "
                "relations): an entity's score estimates the probability that its bounds and label are exactly "
                "right, a relation's that its label and both end spans are." + measured]
    return ["- Scores are model probabilities (the mean of the word-level tag probabilities for an entity,",
            "  the class probability for a relation). " + _calibration_sentence(test)]


def _calibration_sentence(test: dict | None) -> str:
    if not test or "ece" not in test:
        return "See the reliability diagram in the evaluation report before thresholding them."
    return (f"On the test split they are overconfident (expected calibration error {test['ece']:.3f}; "
            "see the reliability diagram in the evaluation report): treat 0.9 as \"likely\", not as 90%.")
