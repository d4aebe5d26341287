"""The behavioural suite (toll.eval.behaviour): the committed cases, loading errors, the matching
rules on hand-made records, and one run of the whole suite on the smoke model."""

import json
import shutil
import textwrap

import pytest

from toll.eval.behaviour.cases import (Case, Expect, corpus_overlaps, load_capability, load_suite,
                                       too_few_templates)
from toll.eval.behaviour.judge import expectation_problems, judge_case
from toll.eval.behaviour.run import corpus_texts, main
from toll.models.common.errors import ConfigError

ONE_CASE = """\
capability: demo
title: Demo
cases:
  - id: demo-1
    template: t
    text: "Gunmen killed two guards."
    expect:
      casualties:
        - {type: killed, text: "two guards", count: 2}
"""


def write(folder, name, text):
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(textwrap.dedent(text), encoding="utf-8")
    return folder / name


def record(text, kind="killed", value=None, start=0, **links):
    return {"type": kind, "text": text, "count": {"value": value}, "start": start,
            **{f"{slot}s": tails for slot, tails in links.items()}}


def expect(**raw):
    return Expect.model_validate(raw)


# -- the committed suite -----------------------------------------------------------------------
@pytest.fixture(scope="module")
def suite(repo):
    return load_suite(repo / "data" / "behaviour")


def test_committed_suite_has_the_size_the_issue_asks_for(suite):
    assert len(suite.capabilities) >= 12
    assert len(suite.cases()) >= 300
    assert too_few_templates(suite) == []
    assert all(len(cap.templates()) >= 8 for cap in suite.capabilities)
    ids = [case.id for _, case in suite.cases()]
    assert len(ids) == len(set(ids))
    assert {case.kind for _, case in suite.cases()} == {"mft", "pair", "invariance"}


def test_no_case_text_is_corpus_text(suite, repo):
    texts, _ = corpus_texts(repo / "data" / "corpus", repo / "data" / "standoff")
    assert len(texts) >= 800
    assert corpus_overlaps(suite, texts) == []


def test_the_corpus_check_finds_a_corpus_sentence_in_a_case(repo, tmp_path):
    texts, _ = corpus_texts(repo / "data" / "corpus", repo / "data" / "standoff")
    from toll.models.text.sentences import sentence_spans

    sentence = next(t[s:e] for t in texts for s, e in sentence_spans(t)
                    if len(t[s:e].split()) >= 12 and not set('"\\\n') & set(t[s:e]))
    write(tmp_path / "cases", "demo.yaml", ONE_CASE.replace("Gunmen killed two guards.", f"Police said so. {sentence}"))
    hits = corpus_overlaps(load_suite(tmp_path / "cases"), texts)
    assert len(hits) == 1 and "demo-1" in hits[0] and "occurs in the corpus" in hits[0]


# -- loading errors name the file and the case ------------------------------------------------
@pytest.mark.parametrize("broken, message", [
    (ONE_CASE.replace("    expect:\n      casualties:\n        - {type: killed, text: \"two guards\", count: 2}\n", ""),
     "case 'demo-1': expect: Field required"),
    (ONE_CASE.replace("type: killed", "type: murdered"), "case 'demo-1': expect.casualties.0.type"),
    (ONE_CASE.replace("count: 2", "count: 2, perp: Gunmen"), "case 'demo-1': expect.casualties.0.perp: Extra inputs"),
    (ONE_CASE.replace("      casualties:\n", "      no_casualty: true\n      casualties:\n"),
     "case 'demo-1': expect: Value error, give either `no_casualty: true`"),
    (ONE_CASE.replace("  - id: demo-1\n    template", "  - template"), "case #1: id: Field required"),
    (ONE_CASE + "    prefix: 'KABUL - '\n    pair: {text: x, expect: {no_casualty: true}}\n",
     "case 'demo-1': Value error, a case is a minimal pair"),
    (ONE_CASE.replace("title: Demo\n", ""), "title: Field required"),
    ("capability: demo\ncases: [\n", "demo.yaml"),
])
def test_a_malformed_case_file_is_named(tmp_path, broken, message):
    path = write(tmp_path, "demo.yaml", broken)
    with pytest.raises(ConfigError) as err:
        load_capability(path)
    assert str(path) in str(err.value) and message in str(err.value)


def test_a_duplicate_case_id_names_both_files(tmp_path):
    write(tmp_path, "a.yaml", ONE_CASE)
    write(tmp_path, "b.yaml", ONE_CASE.replace("capability: demo", "capability: other"))
    with pytest.raises(ConfigError, match=r"b\.yaml: case 'demo-1': id also used in .*a\.yaml"):
        load_suite(tmp_path)


def test_too_few_templates_is_reported(tmp_path):
    write(tmp_path, "demo.yaml", ONE_CASE)
    assert "has 1 templates, at least 8 wanted" in too_few_templates(load_suite(tmp_path))[0]


def test_the_runner_exits_2_on_a_malformed_file_before_loading_any_model(tmp_path, capsys):
    write(tmp_path / "cases", "demo.yaml", ONE_CASE.replace("count: 2", "count: -2"))
    code = main(["--model", str(tmp_path / "no-model"), "--cases", str(tmp_path / "cases"), "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert code == 2 and "demo.yaml: case 'demo-1': expect.casualties.0.count" in err
    assert not (tmp_path / "out").exists()


# -- the matching rules, one pass and one fail per kind of expectation -------------------------
def test_no_casualty_passes_on_nothing_and_fails_on_any_figure():
    assert expectation_problems(expect(no_casualty=True), []) == []
    assert expectation_problems(expect(no_casualty=True), [record("23 fighters", value=23)]) == [
        "extra killed '23 fighters' (23)"]


def test_a_figure_matches_on_type_text_and_count_with_spacing_case_and_edge_punctuation_ignored():
    wanted = expect(casualties=[{"type": "killed", "text": "Seven soldiers", "count": 7}])
    assert expectation_problems(wanted, [record(" seven  soldiers,", value=7)]) == []
    assert expectation_problems(wanted, [record("seven soldiers", "injured", 7)]) == [
        "killed 'Seven soldiers' (7): the model says injured 'seven soldiers' (7)"]
    assert expectation_problems(wanted, [record("seven soldiers", value=70)]) == [
        "killed 'Seven soldiers' (7): the model says killed 'seven soldiers' (70)"]
    assert expectation_problems(wanted, [record("soldiers", value=None)]) == [
        "missed killed 'Seven soldiers' (7)", "extra killed 'soldiers' (?)"]


def test_accepted_alternative_texts_and_an_absent_count():
    wanted = expect(casualties=[{"type": "killed", "text": ["Two brothers", "Two brothers, aged 17 and 19"]}])
    assert expectation_problems(wanted, [record("Two brothers, aged 17 and 19", value=2)]) == []
    assert expectation_problems(wanted, [record("Two brothers, aged 17", value=2)]) != []


def test_figures_are_exhaustive_and_pair_one_to_one():
    wanted = expect(casualties=[{"type": "killed", "text": "40 villagers", "count": 40},
                                {"type": "killed", "text": "the 40 villagers", "count": 40}])
    both = [record("40 villagers", value=40), record("The 40 villagers", value=40, start=50)]
    assert expectation_problems(wanted, both) == []
    assert expectation_problems(wanted, both[:1]) == ["missed killed 'the 40 villagers' (40)"]


def test_a_wanted_link_matches_whole_words_inside_the_linked_span():
    wanted = expect(casualties=[{"type": "killed", "text": "four officers", "perpetrator": "Boko Haram"}])
    assert expectation_problems(wanted, [record("four officers", value=4, perpetrator=["Boko Haram fighters"])]) == []
    assert expectation_problems(wanted, [record("four officers", value=4, perpetrator=["Gunmen"])]) == [
        "killed 'four officers': no perpetrator 'Boko Haram' (linked: 'Gunmen')"]


def test_an_unwanted_link_fails():
    wanted = expect(casualties=[{"type": "killed", "text": "five people", "location": "Kandahar",
                                 "not_location": ["Kunduz", "Herat"]}])
    assert expectation_problems(wanted, [record("five people", value=5, location=["a market in Kandahar"])]) == []
    assert expectation_problems(wanted, [record("five people", value=5, location=["Kandahar", "Kunduz"])]) == [
        "killed 'five people': linked to 'Kunduz' as location, which is wrong"]


def _case(**raw):
    return Case.model_validate({"id": "c-1", "template": "t", **raw})


def test_a_minimal_pair_fails_when_either_text_fails():
    case = _case(text="Police arrested 14 militants.", expect={"no_casualty": True},
                 pair={"text": "Police killed 14 militants.",
                       "expect": {"casualties": [{"type": "killed", "text": "14 militants", "count": 14}]}})
    right = {case.text: [], case.pair.text: [record("14 militants", value=14)]}
    assert judge_case("cap", case, right).passed
    wrong = {case.text: [record("14 militants", value=14)], case.pair.text: [record("14 militants", value=14)]}
    verdict = judge_case("cap", case, wrong)
    assert not verdict.passed and verdict.problems == ["text 1: extra killed '14 militants' (14)"]
    assert [s["text"] for s in verdict.said] == [case.text, case.pair.text]


def test_an_invariance_compares_records_after_the_prefix_shift():
    prefix = "KABUL (AP) - "
    case = _case(prefix=prefix, text="A bomb killed three soldiers.",
                 expect={"casualties": [{"type": "killed", "text": "three soldiers", "count": 3}]})
    plain = [record("three soldiers", value=3, start=14)]
    shifted = [record("three soldiers", value=3, start=14 + len(prefix))]
    assert judge_case("cap", case, {case.text: plain, prefix + case.text: shifted}).passed
    moved = [record("three soldiers", value=3, start=14)]  # same text, but not where the shift puts it
    verdict = judge_case("cap", case, {case.text: plain, prefix + case.text: moved})
    assert any(p.startswith("changed by the prefix: only with it") for p in verdict.problems)
    dateline = shifted + [record("KABUL", value=None, start=0)]
    verdict = judge_case("cap", case, {case.text: plain, prefix + case.text: dateline})
    assert "with the prefix: extra killed 'KABUL' (?)" in verdict.problems


# -- the whole suite on the smoke model --------------------------------------------------------
@pytest.mark.slow
def test_the_whole_suite_runs_on_the_smoke_model_and_its_counts_add_up(smoke_model, repo, suite, tmp_path):
    cases = tmp_path / "cases"
    shutil.copytree(repo / "data" / "behaviour", cases)
    out = tmp_path / "report"
    code = main(["--model", str(smoke_model), "--cases", str(cases), "--out", str(out), "--no-progress",
                 "--corpus", str(repo / "data" / "corpus"), "--standoff", str(repo / "data" / "standoff")])
    assert code == 0
    result = json.loads((out / "behaviour.json").read_text(encoding="utf-8"))
    table = {row["capability"]: row for row in result["capabilities"]}
    assert set(table) == {cap.capability for cap in suite.capabilities}
    for cap in suite.capabilities:
        row = table[cap.capability]
        assert row["cases"] == len(cap.cases) and row["templates"] == len(cap.templates())
        assert sum(n for n, _ in row["kinds"].values()) == row["cases"]
        assert sum(p for _, p in row["kinds"].values()) == row["passed"] <= row["cases"]
        judged = [c for c in result["cases"] if c["capability"] == cap.capability]
        assert row["passed"] == sum(c["passed"] for c in judged)
        assert all(c["passed"] == (not c["problems"]) for c in judged)
    assert result["totals"]["cases"] == len(result["cases"]) == sum(r["cases"] for r in table.values())
    assert result["totals"]["passed"] == sum(r["passed"] for r in table.values())
    assert result["totals"]["texts"] == len({t for _, case in suite.cases() for t in case.texts()})
    markdown = (out / "behaviour.md").read_text(encoding="utf-8")
    assert markdown.splitlines()[2].startswith("`python -m toll.eval.behaviour --model ")
    assert "never used for training or for tuning thresholds" in markdown
    assert all(f"(`{name}`) | {row['cases']} |" in markdown for name, row in table.items())
