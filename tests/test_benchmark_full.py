"""The full-vs-default comparison: which public test splits a model may be scored on, and the table."""

from toll.eval.benchmarks.full import HEADING, render, trained_on_test

PROJECT = {"articles": 26, "entities": {"seqeval": {"micro": {"f1": 0.85}, "macro": {"f1": 0.8}}},
           "casualty_spans": {"f1": 0.84}, "relations_end_to_end": {"micro": {"f1": 0.7}},
           "relations_gold_entities": {"micro": {"f1": 0.88}},
           "casualty_records": {"count_exact_match": 0.99, "matched_figures": 240}}


def test_a_model_trained_on_a_test_split_is_not_scored_on_it(tmp_path):
    (tmp_path / "config.yaml").write_text(
        "data:\n  public:\n    - {corpus: re3d, split: all}\n    - {corpus: muc4, split: train, limit: 100}\n"
        "    - {corpus: polnear, split: test}\n")
    assert trained_on_test(tmp_path) == {"re3d", "polnear"}
    (tmp_path / "config.yaml").write_text("data:\n  corpus: data/corpus\n")
    assert trained_on_test(tmp_path) == set()


def test_table_has_one_row_per_model_and_says_what_was_not_scored():
    results = {
        "default": {"model": "runs/default/model", "project": PROJECT,
                    "polnear": {"precision": 0.5, "recall": 0.25, "f1": 0.3333},
                    "muc4": {"spans": 40, "exact_recall": 0.4, "found_recall": 0.75}},
        "full": {"model": "runs/full/model", "project": PROJECT, "polnear": None,
                 "muc4": {"spans": 40, "exact_recall": 0.5, "found_recall": 0.8}},
    }
    text = render(results, "python -m toll.eval.benchmarks.full --model ...", {"polnear": 84, "muc4": 200})
    assert text.startswith(f"## {HEADING}\n")
    rows = [line for line in text.splitlines() if line.startswith("| `")]
    assert rows[0].startswith("| `default` (`runs/default/model`) | 0.850 | 0.800 | 0.840 | 0.700 | 0.880 |")
    assert rows[0].endswith("| 0.500 / 0.250 / 0.333 | 0.400 / 0.750 |")
    assert rows[1].endswith("| trained on it | 0.500 / 0.800 |")
    assert "200 articles, 40 casualty spans" in text
