"""The behavioural report: pass rates per capability (counts first), and every failing case with its
texts and what the model said. ``behaviour.json`` holds every case; ``behaviour.md`` the failures.

>>> from toll.eval.behaviour.judge import Verdict
>>> verdicts = [Verdict("negation_zero", "n-1", "t1", "mft"),
...             Verdict("negation_zero", "n-2", "t2", "pair", problems=["text 2: missed killed 'a guard' (1)"])]
>>> table = capability_table(verdicts, {"negation_zero": "Negation and zero"})
>>> table[0]["cases"], table[0]["passed"], table[0]["pass_rate"], table[0]["kinds"]
(2, 1, 0.5, {'mft': [1, 1], 'pair': [1, 0]})
"""

from __future__ import annotations

from collections import defaultdict

from toll.eval.behaviour.judge import Verdict

TARGET = 0.90  # reported beside each capability; never a test threshold
NOTE = ("The cases were written by hand for this suite and were never used for training or for tuning "
        "thresholds; no case text, nor any case sentence of six words or more, occurs in the corpus.")


def capability_table(verdicts: list[Verdict], titles: dict[str, str]) -> list[dict]:
    """One row per capability, in the order of ``titles``: counts of cases, templates and passes,
    cases and passes per kind (``[n, passed]``), and the pass rate."""
    rows = {name: {"capability": name, "title": title, "cases": 0, "passed": 0, "templates": set(),
                   "kinds": defaultdict(lambda: [0, 0])} for name, title in titles.items()}
    for v in verdicts:
        row = rows[v.capability]
        row["cases"] += 1
        row["passed"] += v.passed
        row["templates"].add(v.template)
        row["kinds"][v.kind][0] += 1
        row["kinds"][v.kind][1] += v.passed
    table = []
    for row in rows.values():
        row["templates"] = len(row["templates"])
        row["kinds"] = dict(sorted(row["kinds"].items()))
        row["pass_rate"] = round(row["passed"] / row["cases"], 4) if row["cases"] else None
        table.append(row)
    return table


def _rate(passed: int, n: int) -> str:
    return f"{100 * passed / n:.1f}%" if n else "-"


def render_markdown(result: dict) -> str:
    """The report as markdown; ``result`` is what :func:`toll.eval.behaviour.run.run_suite` returns."""
    table, totals = result["capabilities"], result["totals"]
    lines = [
        "# Behavioural tests (CheckList style)", "",
        f"`{result['command']}`", "",
        f"Model `{result['model']}`; cases `{result['cases_dir']}`: {totals['cases']} cases ({totals['texts']} "
        f"texts) over {len(table)} capabilities, each case a minimum-functionality test (`mft`), a minimal "
        f"pair (`pair`) or an invariance to a prefix (`invariance`). {NOTE} Corpus searched: "
        f"{result['corpus_check']['texts_searched']} texts"
        + (f" ({result['corpus_check']['texts_not_here']} standoff texts not on this machine)"
           if result['corpus_check']['texts_not_here'] else "") + ".", "",
        "A case passes only when every text in it gives exactly the figures the guidelines require, "
        "with the stated counts and links (matching rules: `toll.eval.behaviour.judge`). The target "
        f"for the default model is {TARGET:.0%} per capability; it is reported here, never tested.", "",
        "| capability | cases | templates | mft | pair | invariance | passed | pass rate |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for row in table:
        kinds = [row["kinds"].get(k) for k in ("mft", "pair", "invariance")]
        shown = [f"{k[1]}/{k[0]}" if k else "-" for k in kinds]
        lines.append(f"| {row['title']} (`{row['capability']}`) | {row['cases']} | {row['templates']} | "
                     + " | ".join(shown) + f" | {row['passed']} | {_rate(row['passed'], row['cases'])} |")
    lines.append(f"| **all** | {totals['cases']} | {totals['templates']} | | | | {totals['passed']} | "
                 f"{_rate(totals['passed'], totals['cases'])} |")
    below = [r["title"] for r in table if r["cases"] and r["passed"] / r["cases"] < TARGET]
    lines += ["", f"Below the {TARGET:.0%} target: " + ("; ".join(below) if below else "none") + "."]
    lines += ["", "## Failing cases", ""]
    failing = [c for c in result["cases"] if not c["passed"]]
    if not failing:
        lines.append("None.")
    by_capability = defaultdict(list)
    for case in failing:
        by_capability[case["capability"]].append(case)
    for row in table:
        if not by_capability.get(row["capability"]):
            continue
        lines += [f"### {row['title']}", ""]
        for case in by_capability[row["capability"]]:
            lines.append(f"- `{case['id']}` ({case['kind']}, template `{case['template']}`): "
                         + "; ".join(case["problems"]))
            for said in case["said"]:
                text = said["text"].replace("\n", " ⏎ ")
                model = " | ".join(said["casualties"]) or "no figure"
                lines.append(f"  - {text}  \n    model: {model}")
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"
