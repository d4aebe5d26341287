"""The baselines (eval/baselines): rule spans and relations on hand-written sentences, the spaCy
mapping on spaCy-shaped entities (no spaCy needed), the real spaCy pipeline (skipped without it),
and the runner writing its own section of a markdown file and nothing else."""

from __future__ import annotations

import importlib.util
import json

import pytest

from toll.eval.baselines.rules import RuleBaseline
from toll.eval.baselines.run import heading, main as run_main
from toll.eval.baselines.spacy_ner import (MAPPING_PATH, SPACY_MODEL, SpacyBaseline, SpacyRulesBaseline,
                                      map_entities)
from toll.eval.evaluate import evaluate
from toll.models.text.document import Document, Entity, Relation
from toll.models.common.errors import CorpusError
from toll.training.corpus.readers.mapping import LabelMapping, load_mapping

# The 18 entity types of spaCy's English pipelines (OntoNotes 5).
SPACY_TYPES = {"CARDINAL", "DATE", "EVENT", "FAC", "GPE", "LANGUAGE", "LAW", "LOC", "MONEY", "NORP",
               "ORDINAL", "ORG", "PERCENT", "PERSON", "PRODUCT", "QUANTITY", "TIME", "WORK_OF_ART"}
HAS_SPACY_MODEL = importlib.util.find_spec("spacy") is not None and importlib.util.find_spec(SPACY_MODEL) is not None
needs_spacy = pytest.mark.skipif(
    not HAS_SPACY_MODEL, reason=f"spaCy's en_core_web_sm ({SPACY_MODEL}) is not installed: pip install -e '.[bench]'")


def spans(record: dict, labels=("KILLED", "INJURED", "CASUALTIES")) -> list[tuple[str, str]]:
    return [(e["label"], e["text"]) for e in record["entities"] if e["label"] in labels]


def links(record: dict) -> set[tuple[str, str, str]]:
    text = {e["id"]: e["text"] for e in record["entities"]}
    return {(text[r["head"]], r["label"], text[r["tail"]]) for r in record["relations"]}


# --- rules ------------------------------------------------------------------------------------

def test_rules_find_figures_with_their_labels_and_counts():
    rec = RuleBaseline().predict_text("Gunmen killed at least seven soldiers and wounded 18 on Monday, police said.")
    assert spans(rec) == [("KILLED", "at least seven soldiers"), ("INJURED", "18")]
    counts = [(c["type"], c["count"]["value"], c["count"]["qualifier"]) for c in rec["casualties"]]
    assert counts == [("killed", 7, "at_least"), ("injured", 18, "exact")]


def test_rules_label_comes_from_the_predicate_attached_to_the_figure():
    # "wounded" is one character nearer to "eight attackers" than "killed", but belongs to the first figure
    rec = RuleBaseline().predict_text("Three soldiers were wounded and eight attackers were killed, he said.")
    assert spans(rec) == [("INJURED", "Three soldiers"), ("KILLED", "eight attackers")]
    rec = RuleBaseline().predict_text("Two of the wounded died during the night.")
    assert spans(rec) == [("KILLED", "Two of the wounded")]


def test_rules_keep_the_predicate_out_and_the_noun_in():
    rec = RuleBaseline().predict_text("Six soldiers were killed and 11 wounded in the ambush.")
    assert spans(rec) == [("KILLED", "Six soldiers"), ("INJURED", "11")]
    rec = RuleBaseline().predict_text("Doctors said they had received 47 wounded people by nightfall.")
    assert spans(rec) == [("INJURED", "47 wounded people")]


@pytest.mark.parametrize("text", ["No one was killed or injured in the raid, police said.",
                                  "If it had gone off, it could have killed dozens of people.",
                                  "Police arrested 12 people in Kabul."])
def test_rules_mark_no_figure_in_negated_hypothetical_or_non_casualty_sentences(text):
    rec = RuleBaseline().predict_text(text)
    assert spans(rec) == [] and rec["casualties"] == [] and rec["relations"] == []


def test_rules_link_each_figure_to_the_nearest_mention_in_its_sentence():
    text = ("Gunmen killed two civilians in Kabul and wounded 18 in Herat, police said. "
            "Three soldiers died on Sunday. Fighting continued in Kandahar, officials said.")
    rec = RuleBaseline().predict_text(text)
    assert links(rec) == {
        ("two civilians", "perpetrator", "Gunmen"), ("two civilians", "location", "Kabul"),
        ("two civilians", "source", "police"),
        ("18", "perpetrator", "Gunmen"), ("18", "location", "Herat"), ("18", "source", "police"),
        ("Three soldiers", "date", "Sunday"),
    }  # nothing links across sentences: "Three soldiers" gets no actor, source or location


def test_rules_relate_given_entities_and_keep_them():
    text = "Two soldiers died in Kabul, the ministry said, and one in Herat."
    ents = (Entity("k1", 0, len("Two soldiers"), "KILLED"),
            Entity("l1", text.index("Kabul"), text.index("Kabul") + 5, "LOCATION"),
            Entity("s1", text.index("the ministry"), text.index(" said"), "SOURCE"),
            Entity("k2", text.index("one in"), text.index("one in") + 3, "KILLED"),
            Entity("l2", text.index("Herat"), text.index("Herat") + 5, "LOCATION"))
    pred = next(RuleBaseline().predict_documents([Document("d", text, ents)], entities_given=True))
    assert pred.document.entities == ents
    assert {(r.head, r.label, r.tail) for r in pred.document.relations} == {
        ("k1", "location", "l1"), ("k1", "source", "s1"), ("k2", "location", "l2"), ("k2", "source", "s1")}


def test_evaluate_scores_a_baseline_like_the_pipeline():
    text = "A roadside bomb killed seven soldiers in Kabul on Monday, police said."
    at = text.index

    def ent(eid, piece, label):
        return Entity(eid, at(piece), at(piece) + len(piece), label)

    gold = Document("g", text, (ent("w", "A roadside bomb", "WEAPON"), ent("k", "seven soldiers", "KILLED"),
                                ent("l", "Kabul", "LOCATION"), ent("d", "Monday", "DATE"), ent("s", "police", "SOURCE")),
                    (Relation("k", "w", "weapon"), Relation("k", "l", "location"), Relation("k", "d", "date"),
                     Relation("k", "s", "source")))
    m = evaluate(RuleBaseline(), [gold], bootstrap_samples=10).metrics
    assert m["entities"]["seqeval"]["micro"]["f1"] == 1.0
    assert m["relations_end_to_end"]["micro"]["f1"] == 1.0
    assert m["casualty_records"]["count_exact_match"] == 1.0


# --- the spaCy mapping (no spaCy needed) ------------------------------------------------------

class FakeSpan:
    def __init__(self, text: str, piece: str, label: str):
        self.start_char = text.index(piece)
        self.end_char, self.label_ = self.start_char + len(piece), label


class FakeNlp:
    """Stands in for spaCy: returns the entities it was given for each text."""

    def __init__(self, ents: dict[str, list[tuple[str, str]]]):
        self.ents = ents

    def pipe(self, texts):
        for text in texts:
            yield type("Doc", (), {"ents": [FakeSpan(text, piece, label) for piece, label in self.ents[text]]})


def test_mapping_file_names_every_spacy_type_once():
    mapping = load_mapping(MAPPING_PATH)
    assert set(mapping.entities) | set(mapping.unmapped.entities) == SPACY_TYPES
    assert {"GPE": "LOCATION", "LOC": "LOCATION", "FAC": "LOCATION", "DATE": "DATE", "TIME": "DATE"}.items() \
        <= mapping.entities.items()
    assert {"PERSON", "NORP", "CARDINAL"} <= set(mapping.unmapped.entities)


def test_spacy_entities_are_relabelled_trimmed_and_unmapped_types_dropped():
    text = "Reuters said three people died in Gaza City at 2 a.m. on Friday, Mr. Abbas told AFP."
    ents = [(0, 7, "ORG"), (13, 18, "CARDINAL"), (text.index("Gaza"), text.index(" at"), "GPE"),
            (text.index("2 a.m."), text.index(" on"), "TIME"), (text.index("Friday") - 1, text.index(","), "DATE"),
            (text.index("Abbas"), text.index(" told"), "PERSON"), (text.index("AFP"), len(text) - 1, "ORG")]
    assert [(e.label, text[e.start:e.end]) for e in map_entities(text, ents)] == [
        ("SOURCE", "Reuters"), ("LOCATION", "Gaza City"), ("DATE", "2 a.m."), ("DATE", "Friday"), ("SOURCE", "AFP")]


def test_spacy_type_missing_from_the_mapping_is_an_error_naming_it():
    toy = LabelMapping(corpus="spacy", entities={"GPE": "LOCATION"})
    with pytest.raises(CorpusError, match="'NEW_TYPE' is neither mapped nor unmapped"):
        map_entities("Kabul", [(0, 5, "NEW_TYPE")], toy)


def test_spacy_baseline_has_no_casualties_and_no_relations():
    text = "Taliban fighters killed 12 soldiers in Kunduz, the Defence Ministry said."
    nlp = FakeNlp({text: [("Taliban", "NORP"), ("12", "CARDINAL"), ("Kunduz", "GPE"), ("the Defence Ministry", "ORG")]})
    rec = next(SpacyBaseline(nlp=nlp).predict_documents([Document("d", text)])).to_record()
    assert [(e["label"], e["text"]) for e in rec["entities"]] == [("LOCATION", "Kunduz"), ("SOURCE", "the Defence Ministry")]
    assert rec["relations"] == [] and rec["casualties"] == []


def test_spacy_rules_adds_rule_figures_which_win_overlaps_and_link_to_spacy_entities():
    text = "Taliban fighters killed 12 soldiers in Kunduz, the Defence Ministry said. Two died in Baghlan."
    nlp = FakeNlp({text: [("12", "CARDINAL"), ("12 soldiers in Kunduz", "FAC"), ("the Defence Ministry", "ORG"),
                          ("Baghlan", "GPE")]})
    rec = next(SpacyRulesBaseline(nlp=nlp).predict_documents([Document("d", text)])).to_record()
    # the rules' ACTOR "Taliban fighters" and LOCATION "Kunduz" are not used: only their casualty spans
    assert [(e["label"], e["text"]) for e in rec["entities"]] == [
        ("KILLED", "12 soldiers"), ("SOURCE", "the Defence Ministry"), ("KILLED", "Two"), ("LOCATION", "Baghlan")]
    assert links(rec) == {("12 soldiers", "source", "the Defence Ministry"), ("Two", "location", "Baghlan")}


# --- the real spaCy pipeline ------------------------------------------------------------------

@needs_spacy
def test_real_spacy_pipeline_through_evaluate_interface():
    text = "A car bomb killed seven soldiers in Kabul on Monday, the Interior Ministry said."
    spacy_rec = next(SpacyBaseline().predict_documents([Document("d", text)])).to_record()
    assert ("LOCATION", "Kabul") in spans(spacy_rec, ("LOCATION",))
    assert ("DATE", "Monday") in spans(spacy_rec, ("DATE",))
    combined = next(SpacyRulesBaseline().predict_documents([Document("d", text)])).to_record()
    assert spans(combined) == [("KILLED", "seven soldiers")]
    assert ("seven soldiers", "location", "Kabul") in links(combined)


# --- the runner -------------------------------------------------------------------------------

README = """# Benchmarks

## Speed

speed table, untouched

## Baselines on the project's test split

stale figures

## Public NER benchmarks: re3d

another engineer's table
"""


def test_runner_replaces_only_its_own_section(tmp_path, repo, monkeypatch, capsys):
    monkeypatch.chdir(repo)
    readme = tmp_path / "README.md"
    readme.write_text(README)
    out = tmp_path / "runs"
    assert run_main(["--split", "test", "--out", str(out), "--baselines", "rules", "--bootstrap", "10",
                     "--write", str(readme)]) == 0
    text = readme.read_text()
    assert "stale figures" not in text
    before, ours, after = text.split("## Speed")[1], text.split(f"## {heading('test')}")[1], text
    assert before.startswith("\n\nspeed table, untouched\n\n## Baselines")
    assert after.endswith("## Public NER benchmarks: re3d\n\nanother engineer's table\n")
    assert text.count("## ") == 3 and text.startswith("# Benchmarks\n\n## Speed\n")
    assert ours.index("Produced by `python -m toll.eval.baselines.run --split test") < ours.index("| system |")
    metrics = json.loads((out / "rules" / "metrics.json").read_text())
    micro = metrics["entities"]["seqeval"]["micro"]["f1"]
    assert f"| rules | {micro:.3f} |" in ours
    reference = json.loads((repo / "eval/reports/default/metrics.json").read_text())
    assert f"| trained default model (`eval/reports/default/metrics.json`) | " \
           f"{reference['entities']['seqeval']['micro']['f1']:.3f} |" in ours
    assert (out / "rules" / "report.md").exists()
    assert "| rules |" in capsys.readouterr().out


def test_runner_appends_its_section_when_absent(tmp_path, repo, monkeypatch):
    monkeypatch.chdir(repo)
    readme = tmp_path / "README.md"
    readme.write_text("# Benchmarks\n\n## Speed\n\nspeed table\n")
    assert run_main(["--out", str(tmp_path / "o"), "--baselines", "rules", "--bootstrap", "10",
                     "--write", str(readme)]) == 0
    text = readme.read_text()
    assert text.startswith("# Benchmarks\n\n## Speed\n\nspeed table\n\n## Baselines on the project's test split\n")


@pytest.mark.parametrize("argv, message", [
    (["--baselines", "rules,regex"], "error: unknown baseline 'regex'"),
    (["--baselines", "rules", "--reference", "no/such/metrics.json"], "error: no/such/metrics.json: not found"),
    (["--baselines", "rules", "--split", "holdout"], "error: data/splits.json: no split 'holdout'"),
])
def test_runner_errors_are_one_line_and_exit_2(argv, message, tmp_path, repo, monkeypatch, capsys):
    monkeypatch.chdir(repo)
    assert run_main(["--out", str(tmp_path / "o"), *argv]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err
