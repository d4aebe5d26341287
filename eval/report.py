"""Render the evaluation as Markdown, self-contained HTML (plots embedded) and JSON."""

from __future__ import annotations

import base64
import html
import json
from pathlib import Path

from toll.eval import plots
from toll.eval.breakdown import KIND_TITLES
from toll.eval.link_diagnosis import links_markdown
from toll.models.common.atomic import atomic_write_bytes, atomic_write_text


def _table(header: list[str], rows: list[list]) -> str:
    def fmt(x):
        return f"{x:.3f}" if isinstance(x, float) else str(x)
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(fmt(x).replace("|", "/").replace("\n", " ") for x in row) + " |" for row in rows]
    return "\n".join(lines)


def summary_markdown(m: dict) -> str:
    ci = m["confidence_intervals"]
    e2e, gold_rel = m["relations_end_to_end"]["micro"], m["relations_gold_entities"]["micro"]
    seq = m["entities"]["seqeval"]
    rec = m["casualty_records"]
    rows = [
        ["entities, seqeval strict IOB2 micro-F1", seq["micro"]["f1"], ""],
        ["entities, seqeval strict IOB2 macro-F1", seq["macro"]["f1"], ""],
        ["entities, exact span F1 (95% CI)", ci["entity_exact_f1"]["f1"],
         f"{ci['entity_exact_f1']['low']:.3f}-{ci['entity_exact_f1']['high']:.3f}"],
        ["casualty spans, exact F1 (95% CI)", m["casualty_spans"]["f1"],
         f"{ci['casualty_span_f1']['low']:.3f}-{ci['casualty_span_f1']['high']:.3f}"],
        ["relations on gold entities, micro-F1", gold_rel["f1"], ""],
        ["relations end to end, micro-F1 (95% CI)", e2e["f1"],
         f"{ci['relation_end_to_end_f1']['low']:.3f}-{ci['relation_end_to_end_f1']['high']:.3f}"],
        ["gold relations reachable from predicted entities", m["relations_reachable"]["share"], ""],
        ["casualty figures found (overlap), F1", rec["figures"]["f1"], ""],
        ["count exact match on found figures", rec["count_exact_match"], ""],
        ["killed/injured type accuracy on found figures", rec["type_accuracy"], ""],
        *_calibration_rows(m["calibration"]),
    ]
    floors = m.get("decision_thresholds")
    floors = (f" Predictions scored below the model's decision thresholds (entities {floors['entity']:.2f}, "
              f"relations {floors['relation']:.2f}, tuned on dev) are dropped before scoring." if floors else "")
    return _table(["metric", "value", "95% CI"], rows) + (
        f"\n\n{m['articles']} test articles; confidence intervals resample articles, and with a test set "
        f"this small they are wide: read differences inside them as noise.{floors}")


def _calibration_rows(c: dict) -> list[list]:
    """ECE per head with its interval (older metrics: the entity ECE alone)."""
    if "entities" not in c:
        return [["entity score calibration error (ECE)", c["ece"], ""]]
    return [[f"{name} score calibration error (ECE, {c['binning']})", c[head]["ece"],
             f"{c[head]['low']:.3f}-{c[head]['high']:.3f}"]
            for name, head in (("entity", "entities"), ("relation", "relations"))]


def calibration_markdown(c: dict, image: str) -> list[str]:
    """Per head: ECE with its interval and the reliability bins (equal mass)."""
    if "entities" not in c:
        return ["## Calibration", "", f"Expected calibration error {c['ece']:.3f}.", "", f"![reliability]({image})", ""]
    parts = ["## Calibration", "",
             f"Scores: {c.get('scores', 'as the predictor reports them')}. Each predicted span and link is scored "
             f"against whether it is exactly correct; {c['binning']} by score; 95% intervals resample articles.", ""]
    for name, head in (("Entity spans", "entities"), ("Relation links", "relations")):
        h = c[head]
        parts += [f"{name}: {h['predictions']} predictions, {h['share_correct'] or 0:.1%} exactly correct; "
                  f"ECE {h['ece']:.3f} ({h['low']:.3f}-{h['high']:.3f}); perfectly calibrated scores would show "
                  f"about {h.get('if_calibrated', 0.0):.3f} in these bins (binomial noise).", "",
                  _table(["scores", "predictions", "mean score", "share correct"],
                         [[f"{b['low']:.4f}-{b['high']:.4f}", b["count"], f"{b['mean_score']:.4f}", b["accuracy"]]
                          for b in h["bins"]]), ""]
    return parts + [f"![reliability]({image})", ""]


def by_kind_markdown(m: dict) -> list[str]:
    """Per kind of text, and false figures on the documents that state none."""
    rows = [[KIND_TITLES.get(k, k), v["documents"], v["casualty_spans"]["precision"], v["casualty_spans"]["recall"],
             v["casualty_spans"]["f1"], v["entity_exact"]["f1"], v["relations_end_to_end"]["f1"],
             v["false_figures"]["documents"],
             "-" if v["false_figures"]["per_100_documents"] is None else v["false_figures"]["per_100_documents"]]
            for k, v in m.get("by_kind", {}).items()]
    if not rows:
        return []
    ff = m["false_figures"]
    per_100 = "-" if ff["per_100_documents"] is None else f"{ff['per_100_documents']:.1f}"
    return ["## By kind of text", "", _table(
        ["text", "documents", "casualty P", "casualty R", "casualty F1", "entities exact F1", "relations e2e F1",
         "documents without a figure", "false figures per 100 of them"], rows), "",
        f"On the {ff['documents']} documents that state no casualty figure, the model reported "
        f"{ff['false_figures']} figure(s): {per_100} per 100 documents ({ff['documents_with_a_false_figure']} "
        f"document(s) with at least one).", ""]


def baselines_markdown(m: dict) -> list[str]:
    """The baselines on the same documents, with paired bootstrap intervals of the differences."""
    if not m.get("baselines"):
        return []
    rows = []
    for name, b in m["baselines"].items():
        for metric, d in b["paired"].items():
            rows.append([name, metric, b["scores"][metric], d["difference"], f"{d['low']:+.3f} to {d['high']:+.3f}",
                         d["p_not_better"]])
    return ["## Beside the baselines", "", _table(
        ["baseline", "metric", "baseline F1", "model - baseline", "95% CI (paired bootstrap)", "p (model not better)"],
        rows), "", "Both systems are scored on the same documents; each resample draws the same documents "
                   "for both.", ""]


def also_markdown(m: dict) -> list[str]:
    """Other splits scored by the same model, each beside this one."""
    if not m.get("also"):
        return []
    header = ["metric", m.get("split", "this split"), *m["also"]]
    keys = [("entities, seqeval strict micro-F1", lambda x: x["entities"]["seqeval"]["micro"]["f1"]),
            ("casualty spans, exact F1", lambda x: x["casualty_spans"]["f1"]),
            ("relations end to end, micro-F1", lambda x: x["relations_end_to_end"]["micro"]["f1"]),
            ("count exact match on found figures", lambda x: x["casualty_records"]["count_exact_match"]),
            ("false figures per 100 documents without one", lambda x: x["false_figures"]["per_100_documents"]),
            ("documents", lambda x: x["articles"])]
    rows = [[name, get(m), *[get(o) for o in m["also"].values()]] for name, get in keys]
    return ["## Other splits", "", _table(header, rows), ""]


def error_log_markdown(m: dict) -> list[str]:
    """The casualty errors by category (:mod:`toll.eval.errors`), most frequent first within each kind."""
    log = m.get("error_log")
    if not log:
        return []
    rows = []
    for category, n in log["counts"].items():
        shown = "; ".join(f"{x['span']} ({x['note']})" if x["note"] else x["span"]
                          for x in log["examples"].get(category, []))
        rows.append([category, n, shown])
    return ["## Error log", "", "Every casualty error, in one category each (`eval/errors.py` says the rules); "
            "examples are the first found.", "", _table(["category", "errors", "examples"], rows), ""]


def render_markdown(m: dict, title: str, images: dict[str, str]) -> str:
    seq = m["entities"]["seqeval"]["per_label"]
    exact = m["entities"]["per_label_exact"]
    parts = [f"# {title}", "", "## Summary", "", summary_markdown(m), ""]
    parts += by_kind_markdown(m)
    parts += baselines_markdown(m)
    parts += also_markdown(m)
    parts += ["## Entities", "", _table(
        ["label", "P (strict IOB2)", "R", "F1", "support", "exact-span F1"],
        [[k, v["precision"], v["recall"], v["f1"], v["support"], exact.get(k, {}).get("f1", 0.0)]
         for k, v in seq.items()]), ""]
    spans = m["entities"]["spans"]
    parts += ["Character-span matching (nervaluate): strict = bounds and type, exact = bounds only, "
              "partial = overlap, ent_type = overlap with the right type.", "",
              _table(["mode", "precision", "recall", "F1", "correct", "partial", "incorrect", "missed", "spurious"],
                     [[k, v["precision"], v["recall"], v["f1"], v["correct"], v["partial"], v["incorrect"],
                       v["missed"], v["spurious"]] for k, v in spans.items()]), ""]
    parts += [f"![per-label F1]({images['per_label_f1']})", "", f"![confusion]({images['confusion']})", ""]
    parts += ["## Relations", ""]
    rows = []
    for label in m["relations_gold_entities"]["per_label"]:
        g = m["relations_gold_entities"]["per_label"][label]
        e = m["relations_end_to_end"]["per_label"].get(label, {"precision": 0, "recall": 0, "f1": 0})
        rows.append([label, g["precision"], g["recall"], g["f1"], e["precision"], e["recall"], e["f1"]])
    parts += [_table(["relation", "P (gold ents)", "R", "F1", "P (end to end)", "R", "F1"], rows), "",
              f"{m['relations_reachable']['reachable']} of {m['relations_reachable']['gold_relations']} gold "
              "relations have both ends among the predicted entities.", ""]
    rec = m["casualty_records"]
    parts += ["## Casualty records", "",
              f"{rec['matched_figures']} gold figures were found by an overlapping predicted figure "
              f"(F1 {rec['figures']['f1']:.3f}); on those, the normalized count matches in "
              f"{rec['count_exact_match']:.1%} and the killed/injured type in {rec['type_accuracy']:.1%}.", "",
              _table(["slot", "precision", "recall", "F1"],
                     [[k, v["precision"], v["recall"], v["f1"]] for k, v in rec["slots"].items()]), ""]
    parts += calibration_markdown(m["calibration"], images["reliability"])
    if "training_curves" in images:
        parts += ["## Training curves", "", f"![training curves]({images['training_curves']})", ""]
    parts += error_log_markdown(m)
    parts += links_markdown(m.get("link_diagnosis"))
    parts += ["## Worst errors", "", _table(
        ["article", "kind", "label", "span", "score", "other side", "sentence"],
        [[r["doc"], r["kind"], r["label"], r["text"], "-" if r["score"] is None else round(r["score"], 3),
          r["gold"], r["sentence"]] for r in m["worst_errors"]]), ""]
    return "\n".join(parts)


def write_report(out_dir: Path, metrics: dict, title: str, training_log: dict | None = None) -> None:
    out_dir = Path(out_dir)
    (out_dir / "plots").mkdir(parents=True, exist_ok=True)
    figures = {
        "per_label_f1": plots.per_label_f1(metrics["entities"]["seqeval"]["per_label"], "Entity F1 (strict IOB2)"),
        "confusion": plots.confusion_matrix(metrics["confusion"]),
        "reliability": plots.reliability(metrics["calibration"]["bins"],
                                         metrics["calibration"].get("relations", {}).get("bins")),
    }
    if training_log:
        figures["training_curves"] = plots.training_curves(training_log)
    for name, png in figures.items():
        atomic_write_bytes(out_dir / "plots" / f"{name}.png", png)
    md = render_markdown(metrics, title, {k: f"plots/{k}.png" for k in figures})
    atomic_write_text(out_dir / "report.md", md)
    embedded = {k: "data:image/png;base64," + base64.b64encode(v).decode() for k, v in figures.items()}
    atomic_write_text(out_dir / "report.html", _html(render_markdown(metrics, title, embedded), title))
    atomic_write_text(out_dir / "metrics.json", json.dumps(metrics, indent=1, sort_keys=True) + "\n")


def _html(markdown: str, title: str) -> str:
    """A minimal Markdown-to-HTML for the report's own constructs (headings, tables, images)."""
    out, in_table = [], False
    for line in markdown.splitlines():
        if line.startswith("|"):
            cells = [c.strip() for c in line.strip("|").split("|")]
            if set(line) <= set("|-"):
                continue
            if not in_table:
                out.append("<table>")
                in_table = True
                out.append("<tr>" + "".join(f"<th>{html.escape(c)}</th>" for c in cells) + "</tr>")
            else:
                out.append("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in cells) + "</tr>")
            continue
        if in_table:
            out.append("</table>")
            in_table = False
        if line.startswith("!["):
            alt, src = line[2:].split("](", 1)
            out.append(f'<p><img alt="{html.escape(alt)}" src="{src[:-1]}"></p>')
        elif line.startswith("#"):
            level = len(line) - len(line.lstrip("#"))
            out.append(f"<h{level}>{html.escape(line[level:].strip())}</h{level}>")
        elif line.strip():
            out.append(f"<p>{html.escape(line)}</p>")
    if in_table:
        out.append("</table>")
    style = ("body{font-family:sans-serif;max-width:1100px;margin:2em auto;color:#222}"
             "table{border-collapse:collapse;margin:1em 0;font-size:14px}"
             "td,th{border:1px solid #ccc;padding:3px 8px;text-align:left;vertical-align:top}"
             "th{background:#f2f2f2}img{max-width:100%}")
    return (f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title>"
            f"<style>{style}</style></head><body>\n" + "\n".join(out) + "\n</body></html>\n")
