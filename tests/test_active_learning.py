"""Picking what to annotate next: the criterion, `toll-data rank`, and the simulation's wiring."""

import json

import numpy as np
import pytest

from toll.training.corpus.active_learning import select, uncertainty


def test_uncertainty_reads_the_hardest_words_not_the_average():
    easy = np.array([[0.99, 0.005, 0.005]] * 20)
    one_hard = easy.copy()
    one_hard[3] = [0.34, 0.33, 0.33]
    assert uncertainty(one_hard) > 3 * uncertainty(easy)
    assert uncertainty(np.zeros((0, 3))) == 0.0


def test_diversity_keeps_one_conflict_from_filling_the_batch():
    texts = ["Gunmen killed five police officers in Kano.", "Gunmen killed six police officers in Kano.",
             "Gunmen killed seven police officers in Kano.", "A drone strike hit a wedding party in Idlib."]
    scores = [0.9, 0.89, 0.88, 0.5]
    assert 3 in select(texts, scores, 2, diversity=1.0)
    assert select(texts, scores, 2, diversity=0.0) == [0, 1]


def test_rank_picks_from_a_pile_and_leaves_annotated_articles_out(smoke_model, tmp_path, capsys):
    from toll.training.corpus.cli import main

    pile = tmp_path / "pile.jsonl"
    rows = [{"id": "000_7115594e92608c01", "text": "Already annotated."}] + \
           [{"id": f"n{i}", "text": f"Attackers killed {i + 2} villagers near Goma on Sunday, the army said."} for i in range(5)]
    pile.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    out = tmp_path / "next.jsonl"
    assert main(["rank", str(pile), "--model", str(smoke_model), "--select", "3", "--out", str(out)]) == 0
    picked = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(picked) == 3 and all(p["id"].startswith("n") for p in picked)
    assert all(p["uncertainty"] >= 0 for p in picked)


@pytest.mark.slow
def test_simulation_runs_both_strategies(repo):
    from toll.eval.benchmarks.active_learning import simulate, table

    result = simulate(repo / "configs/benchmarks/active_learning.yaml", seeds=1, rounds=1, start=3, batch=2,
                      overrides=["--tagger.epochs", "1", "--windows.max_tokens", "64"])
    assert [h[-1]["articles"] for h in result["runs"]["uncertainty"]] == [5]
    assert [h[-1]["articles"] for h in result["runs"]["random"]] == [5]
    assert "| 1 | 5 | uncertainty |" in table(result)
