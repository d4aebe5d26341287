"""The public NER benchmark: word-level scoring, seed summaries, the rendered table, and a tiny real
run on ConfliBERT's re3d split (skipped when ../shared/datasets is absent)."""

from __future__ import annotations

import json

import pytest

from toll.eval.benchmarks import attempts, corpora, ner
from toll.eval.benchmarks.corpora import overlap_tags_on_whitespace_words
from toll.training.corpus.readers.public import load_split
from toll.eval.benchmarks.ner import NerBenchmarkConfig, native_schema, render, score, summarize
from toll.models.text.document import Document, Entity
from toll.models.common.errors import ConfigError, CorpusError
from toll.models.common.yaml_config import load_config

TEXT = "Carter thanked the United States in Damascus ."
CARTER = Entity("T1", 0, len("Carter"), "Person")
US = Entity("T2", len("Carter thanked "), len("Carter thanked the United States"), "Organisation")
DAMASCUS = Entity("T3", len("Carter thanked the United States in "), len(TEXT) - 2, "Location")
GOLD = Document("d", TEXT, (CARTER, US, DAMASCUS))


def test_word_tags_follow_the_whitespace_tokens():
    assert overlap_tags_on_whitespace_words(GOLD) == ["B-Person", "O", "B-Organisation", "I-Organisation",
                                                      "I-Organisation", "O", "B-Location", "O"]


def test_a_predicted_span_ending_inside_a_word_tags_the_whole_word():
    partial = Entity("P1", 0, 3, "Person")  # "Car" of "Carter"
    assert overlap_tags_on_whitespace_words(GOLD, [partial])[:2] == ["B-Person", "O"]


def test_score_counts_boundaries_strictly_and_reports_points():
    short_us = Entity("P2", US.start + len("the "), US.end, "Organisation")  # "United States"
    result = score([GOLD], [[CARTER, short_us]])
    # Carter right, the Organisation's boundary wrong, Damascus missed: P 1/2, R 1/3
    assert result["strict_micro_f1"] == pytest.approx(40.0)
    assert result["per_label_strict_f1"] == {"Location": 0.0, "Organisation": 0.0, "Person": 100.0}
    assert result["support"] == {"Location": 1, "Organisation": 1, "Person": 1}


def test_native_schema_is_sorted_and_can_be_restricted():
    docs = [Document("a", "x y", (Entity("T1", 2, 3, "Weapon"), Entity("T2", 0, 1, "Location")))]
    assert native_schema("b", docs, None).entity_labels == ("Location", "Weapon")
    assert native_schema("b", docs, ["Weapon"]).iob2_labels() == ("O", "B-Weapon", "I-Weapon")


def test_summary_is_mean_and_sample_std_over_seeds():
    tests = [{m: v for m in ner.METRICS} | {"per_label_strict_f1": {"A": v}} for v in (60.0, 62.0, 64.0)]
    summary = summarize(tests)
    assert summary["conll_macro_f1"] == {"mean": 62.0, "std": 2.0}
    assert summary["per_label_strict_f1"]["A"] == {"mean": 62.0, "std": 2.0}


def test_benchmark_configs_load_strictly(repo, tmp_path):
    for name in ("re3d", "muc4", "polnear"):
        cfg = load_config(repo / "configs" / "benchmarks" / f"{name}.yaml", NerBenchmarkConfig)
        assert cfg.name == name and len(cfg.seeds) >= 3 and cfg.published
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\ntitle: X\ncorpus: re3d-conflibert\ntagger:\n  epoch: 3\n")
    with pytest.raises(ConfigError, match="epoch"):
        load_config(bad, NerBenchmarkConfig)


def test_a_missing_datasets_folder_names_the_variable(tmp_path):
    with pytest.raises(CorpusError, match="conflibert"):
        load_split("re3d-conflibert", "test", data_dir=tmp_path)


def test_render_puts_published_numbers_beside_ours():
    cfg = NerBenchmarkConfig(name="t", title="T bench", corpus="re3d-conflibert", seeds=[1, 2],
                             published=[{"system": "ConfliBERT", "parameters": "110M", "macro_f1": 66.4}])
    test = score([GOLD], [[CARTER, US]])
    seeds = [{"seed": s, "train_seconds": 60.0, "parameters": 22_000_000, "test": test} for s in (1, 2)]
    results = {"title": "T bench", "documents": {"train": 5, "dev": 2, "test": 1}, "seeds": seeds,
               "summary": summarize([test, test]), "machine": {"cpu": "a CPU", "cores": 2}}
    text = render(results, cfg, "python -m toll.eval.benchmarks.ner x.yaml")
    assert text.startswith("## T bench\n")
    assert "| toll tagger, mean ± std over 2 seeds | 66.67 ± 0.00 |" in text
    assert "| ConfliBERT (110M), published | 66.40 | - |" in text
    assert "Location 0.0 ± 0.0 (1)" in text


@pytest.mark.slow
def test_a_tiny_re3d_run_trains_scores_reuses_seeds_and_ensembles(tmp_path):
    try:
        load_split("re3d-conflibert", "dev", limit=1)
    except CorpusError as exc:
        pytest.skip(str(exc))
    cfg = NerBenchmarkConfig(name="tiny", title="Tiny", corpus="re3d-conflibert", train_limit=24,
                             seeds=[1, 2], output_dir=str(tmp_path / "run"),
                             windows={"max_tokens": 64}, tagger={"epochs": 1, "batch_size": 8, "patience": 1})
    results = ner.run_benchmark(cfg, log=lambda _: None)
    assert [s["seed"] for s in results["seeds"]] == [1, 2]
    assert set(results["ensemble"]["test"]) >= set(ner.METRICS)
    assert (tmp_path / "run" / "seed-1" / "model" / "model.safetensors").exists()
    first = json.loads((tmp_path / "run" / "seed-1" / "result.json").read_text())
    messages = []
    again = ner.run_benchmark(cfg, log=messages.append)
    assert any("seed 1: reusing" in m for m in messages) and again["seeds"][0] == first


def test_attempts_table_has_one_traceable_row_per_run(tmp_path):
    test = score([GOLD], [[CARTER, US]])
    for name, note in (("re3d", "the committed recipe"), ("re3d-macro", "checkpoint picked on dev macro-F1")):
        results = {"name": name, "note": note, "command": f"python -m toll.eval.benchmarks.ner x.yaml --name {name}",
                   "seeds": [{"train_seconds": 120.0}], "summary": summarize([test]),
                   "ensemble": {"test": test}}
        (tmp_path / name).mkdir()
        (tmp_path / name / "results.json").write_text(json.dumps(results))
    readme = tmp_path / "README.md"
    readme.write_text("# Benchmarks\n\n## Speed\n\nkept\n")
    assert attempts.main([str(tmp_path / "re3d"), str(tmp_path / "re3d-macro"), "--title", "re3d: tried",
                          "--write", str(readme)]) == 0
    text = readme.read_text()
    assert "## Speed\n\nkept" in text
    assert "| `re3d-macro` | checkpoint picked on dev macro-F1 | 66.67 ± 0.00 | 80.00 ± 0.00 | 66.67 / 80.00 | 1 | 2.0 |" in text
    assert "`python -m toll.eval.benchmarks.ner x.yaml --name re3d`" in text


def test_attempts_keeps_rows_of_runs_not_given_and_replaces_a_rerun(tmp_path):
    test = score([GOLD], [[CARTER, US]])
    results = {"name": "new", "note": "changed", "command": "python -m toll.eval.benchmarks.ner x.yaml --name new",
               "seeds": [{"train_seconds": 60.0}], "summary": summarize([test])}
    (tmp_path / "new").mkdir()
    (tmp_path / "new" / "results.json").write_text(json.dumps(results))
    readme = tmp_path / "README.md"
    readme.write_text("## tried\n\n| run | x |\n|---|---|\n| `old` | kept row |\n| `new` | stale row |\n\n"
                      "## Other\n\n| `elsewhere` | not ours |\n")
    args = [str(tmp_path / "new"), "--title", "tried", "--write", str(readme)]
    assert attempts.main([*args, "--keep-rows"]) == 0
    text = readme.read_text()
    assert "| `old` | kept row |\n| `new` | changed |" in text
    assert "stale row" not in text and text.count("not ours") == 1
    assert "Rows of earlier runs (`old`) are kept" in text
    assert attempts.main(args) == 0
    assert "kept row" not in readme.read_text()


def test_attempts_refuses_a_folder_without_results(tmp_path, capsys):
    assert attempts.main([str(tmp_path), "--title", "x"]) == 2
    assert "results.json" in capsys.readouterr().err


def test_sentences_with_spans_are_all_kept_and_a_crossing_span_keeps_its_sentences_together():
    text = "Gunmen shot the mayor. Of Achi. It rained. It rained again. Police came."
    mayor = Entity("T1", text.index("the mayor"), text.index("Achi") + len("Achi"), "Victim")  # crosses ". "
    docs = corpora.positive_sentences([Document("d", text, (mayor,))], negatives_kept=0.01)
    first = docs[0]
    assert first.text == "Gunmen shot the mayor. Of Achi."
    assert [first.span_text(e) for e in first.entities] == ["the mayor. Of Achi"]
    assert all(not d.entities for d in docs[1:]) and len(docs) < 4  # at 1% the three others mostly go
    assert corpora.positive_sentences([Document("d", text, (mayor,))], negatives_kept=1.0)[0].text == text
