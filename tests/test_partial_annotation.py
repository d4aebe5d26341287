"""Public corpora in training: allowed tag sets for partially annotated documents, the partial-label
loss, its collator and Trainer, the config (configs/full.yaml) and the unchanged project-only path."""

from __future__ import annotations

import json
import math

import pytest
import torch

from toll.models.text.alignment import IGNORE, tokenize
from toll.models.text.document import Document, Entity
from toll.models.common.errors import ConfigError, CorpusError
from toll.training.config import load_train_config
from toll.training.features import FeatureReport, tagger_features
from toll.training.partial_labels import (ALLOWED, PartialLabelCollator, PartialLabelTrainer, partial_label_loss,
                                     tag_names)
from toll.training.corpus.public_data import load_public_sources
from toll.training.corpus.readers import dataset_root
from toll.training.train import masks_unannotated

TEXT = "Islamic State gunmen killed 18 villagers in Aleppo on Friday, officials said."
ACTOR = Entity("a1", 0, len("Islamic State gunmen"), "ACTOR")
LOCATION = Entity("l1", len("Islamic State gunmen killed 18 villagers in "),
                  len("Islamic State gunmen killed 18 villagers in Aleppo"), "LOCATION")
DATE = Entity("d1", len("Islamic State gunmen killed 18 villagers in Aleppo on "),
              len("Islamic State gunmen killed 18 villagers in Aleppo on Friday"), "DATE")
RE3D_LIKE = ["LOCATION", "DATE", "WEAPON"]  # what re3d annotates exhaustively


def _doc(meta: dict) -> Document:
    return Document("toy", TEXT, (ACTOR, LOCATION, DATE), (), meta)


def _rows(doc, tokenizer, schema, mask: bool) -> list[dict]:
    return tagger_features([doc], tokenizer, schema, 128, 1, FeatureReport(), mask_unannotated=mask)


def _batch(rows: list[dict], tokenizer) -> dict:
    """What the Trainer gets: the collated rows without doc_id (train.py keeps only the model's columns)."""
    return dict(PartialLabelCollator(tokenizer)([{k: v for k, v in r.items() if k != "doc_id"} for r in rows]))


def _word_sets(row: dict, tokenizer, schema) -> dict[str, list[str]]:
    """Allowed tags of each word, read at its first subword (after [CLS])."""
    tok = tokenize(tokenizer, TEXT)
    return {TEXT[s:e]: tag_names(row[ALLOWED][1 + first], schema)
            for (s, e), first in zip(tok.word_spans, tok.word_first_token)}


# -- allowed tag sets --------------------------------------------------------------------------

def test_partially_annotated_document_gets_allowed_tag_sets(tokenizer, schema):
    (row,) = _rows(_doc({"annotated_labels": RE3D_LIKE}), tokenizer, schema, mask=True)
    sets = _word_sets(row, tokenizer, schema)
    open_bi = ["O", "B-KILLED", "I-KILLED", "B-INJURED", "I-INJURED", "B-CASUALTIES", "I-CASUALTIES",
               "B-ACTOR", "I-ACTOR", "B-SOURCE", "I-SOURCE"]
    after_span = ["O", "B-KILLED", "B-INJURED", "B-CASUALTIES", "B-ACTOR", "B-SOURCE"]
    # a marked span: its own tags only, whether or not its label is annotated exhaustively
    assert (sets["Islamic"], sets["State"], sets["gunmen"]) == (["B-ACTOR"], ["I-ACTOR"], ["I-ACTOR"])
    assert (sets["Aleppo"], sets["Friday"]) == (["B-LOCATION"], ["B-DATE"])
    # unmarked: O or any tag of an unannotated label; never LOCATION, DATE or WEAPON
    assert sets["18"] == sets["villagers"] == sets["officials"] == open_bi
    # right after a marked span no I- tag: it would continue the span past its marked end
    assert sets["killed"] == sets["on"] == sets[","] == after_span


def test_allowed_sets_sit_on_first_subwords_only(tokenizer, schema):
    (row,) = _rows(_doc({"annotated_labels": RE3D_LIKE}), tokenizer, schema, mask=True)
    assert [a == 0 for a in row[ALLOWED]] == [label == IGNORE for label in row["labels"]]
    assert len(row[ALLOWED]) == len(row["input_ids"])


@pytest.mark.parametrize("meta", [{}, {"annotated_labels": ["KILLED", "INJURED", "CASUALTIES", "ACTOR",
                                                            "SOURCE", "LOCATION", "DATE", "WEAPON"]}])
def test_fully_annotated_documents_keep_single_labels(tokenizer, schema, meta):
    (row,) = _rows(_doc(meta), tokenizer, schema, mask=True)
    assert row[ALLOWED] == [0 if label == IGNORE else 1 << label for label in row["labels"]]


def test_as_o_reproduces_ordinary_labels(tokenizer, schema):
    partial = _doc({"annotated_labels": RE3D_LIKE})
    (as_o,) = _rows(partial, tokenizer, schema, mask=False)
    (project,) = _rows(_doc({}), tokenizer, schema, mask=False)
    (masked,) = _rows(partial, tokenizer, schema, mask=True)
    assert ALLOWED not in as_o
    assert as_o == project  # unmarked words are plain O, exactly as in a project document
    assert masked["labels"] == as_o["labels"] and masked["input_ids"] == as_o["input_ids"]
    tags = schema.iob2_labels()
    tok = tokenize(tokenizer, TEXT)
    by_word = {TEXT[s:e]: tags[as_o["labels"][1 + f]] for (s, e), f in zip(tok.word_spans, tok.word_first_token)}
    assert (by_word["gunmen"], by_word["18"], by_word["Aleppo"], by_word["on"]) == ("I-ACTOR", "O", "B-LOCATION", "O")


def test_windows_without_any_constraint_are_left_out(tokenizer, schema):
    """MUC-4 annotates no label exhaustively: a window with no span allows every tag everywhere."""
    text = "Nothing happened here. " * 40 + "Gunmen killed 18 villagers."
    start = text.index("18 villagers")
    doc = Document("m", text, (Entity("k1", start, start + len("18 villagers"), "KILLED"),), (),
                   {"annotated_labels": []})
    report = FeatureReport()
    rows = tagger_features([doc], tokenizer, schema, 32, 0, report, mask_unannotated=True)
    as_o = tagger_features([doc], tokenizer, schema, 32, 0, FeatureReport(), mask_unannotated=False)
    assert report.uninformative_windows > 0 and len(rows) == len(as_o) - report.uninformative_windows
    kept = [tag_names(a, schema) for row in rows for a in row[ALLOWED] if a]
    assert ["B-KILLED"] in kept and ["I-KILLED"] in kept


# -- the loss -----------------------------------------------------------------------------------

def test_masked_loss_equals_cross_entropy_for_single_labels():
    torch.manual_seed(0)
    logits = torch.randn(2, 5, 17)
    labels = torch.randint(0, 17, (2, 5))
    labels[0, 0] = labels[1, 4] = IGNORE
    allowed = torch.where(labels == IGNORE, 0, 1 << labels.clamp(min=0))
    expected = torch.nn.functional.cross_entropy(logits.view(-1, 17), labels.view(-1), ignore_index=IGNORE)
    assert partial_label_loss(logits, allowed).item() == pytest.approx(expected.item(), rel=1e-6)


def test_masked_loss_of_a_multi_tag_token_by_hand():
    logits = torch.tensor([[[2.0, 1.0, 0.0, -1.0]]])
    loss = partial_label_loss(logits, torch.tensor([[0b0101]])).item()  # tags 0 and 2 allowed
    z = math.exp(2) + math.exp(1) + math.exp(0) + math.exp(-1)
    assert loss == pytest.approx(-math.log((math.exp(2) + math.exp(0)) / z), rel=1e-6)
    each = [partial_label_loss(logits, torch.tensor([[1 << t]])).item() for t in (0, 2)]
    assert 0 < loss < min(each)  # more allowed tags, less loss: never more than either one's CE


def test_tokens_allowed_every_tag_are_left_out_of_the_mean():
    logits = torch.tensor([[[2.0, 1.0, 0.0], [0.0, 3.0, 1.0], [1.0, 1.0, 1.0]]], requires_grad=True)
    alone = partial_label_loss(logits[:, :1], torch.tensor([[0b001]]))
    loss = partial_label_loss(logits, torch.tensor([[0b001, 0b111, 0]]))
    assert loss.item() == pytest.approx(alone.item())
    loss.backward()
    assert torch.isfinite(logits.grad).all() and logits.grad[0, 1:].abs().sum() == 0


def test_collator_pads_allowed_tags_like_labels(tokenizer):
    features = [{"input_ids": [101, 7, 8, 102], "labels": [IGNORE, 0, 3, IGNORE], ALLOWED: [0, 1, 8, 0]},
                {"input_ids": [101, 9, 102], "labels": [IGNORE, 5, IGNORE], ALLOWED: [0, 33, 0]}]
    batch = PartialLabelCollator(tokenizer)(features)
    assert batch[ALLOWED].tolist() == [[0, 1, 8, 0], [0, 33, 0, 0]]
    assert batch["labels"].tolist() == [[IGNORE, 0, 3, IGNORE], [IGNORE, 5, IGNORE, IGNORE]]
    plain = PartialLabelCollator(tokenizer)([{k: v for k, v in f.items() if k != ALLOWED} for f in features])
    assert ALLOWED not in plain


@pytest.fixture(scope="module")
def tiny_trainer(tmp_path_factory, schema):
    from transformers import TrainingArguments

    from toll.models.networks.encoders import resolve_encoder
    from toll.models.networks.heads import load_token_classifier

    torch.manual_seed(0)
    model = load_token_classifier(resolve_encoder("bundled:minilm-l6"), list(schema.iob2_labels())).eval()
    args = TrainingArguments(output_dir=str(tmp_path_factory.mktemp("trainer")), use_cpu=True, report_to="none")
    return PartialLabelTrainer(model=model, args=args)


def test_trainer_loss_is_the_models_own_with_single_tag_sets(tiny_trainer, tokenizer, schema):
    other = Document("b", "Two died.", (Entity("k", 0, 3, "KILLED"),))
    batch = _batch(_rows(_doc({}), tokenizer, schema, True) + _rows(other, tokenizer, schema, True), tokenizer)
    model = tiny_trainer.model
    with torch.no_grad():
        own = model(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"], labels=batch["labels"]).loss
        ours = tiny_trainer.compute_loss(model, batch)
    assert ours.item() == pytest.approx(own.item(), rel=1e-5)


def test_masking_never_costs_more_than_teaching_o(tiny_trainer, tokenizer, schema):
    partial = _doc({"annotated_labels": RE3D_LIKE})  # every unmarked word rules out some tags
    batch = _batch(_rows(partial, tokenizer, schema, mask=True), tokenizer)
    model = tiny_trainer.model
    with torch.no_grad():
        as_o = model(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"], labels=batch["labels"]).loss
        masked = tiny_trainer.compute_loss(model, batch)
    assert 0 < masked.item() < as_o.item()


# -- config and the project-only path ------------------------------------------------------------

def test_full_config_loads_and_switches_method(repo):
    cfg = load_train_config(repo / "configs" / "full.yaml")
    assert [(s.corpus, s.split) for s in cfg.data.public] == [("re3d", "all"), ("muc4", "train"), ("polnear", "train")]
    assert cfg.data.partial_annotation == "mask"
    assert load_train_config(repo / "configs" / "full.yaml",
                             ["--data.partial_annotation", "as_o"]).data.partial_annotation == "as_o"
    with pytest.raises(ConfigError, match="data.partial_annotation"):
        load_train_config(repo / "configs" / "full.yaml", ["--data.partial_annotation", "ignore"])


@pytest.mark.parametrize("public, message", [
    ("[{corpus: re3d, split: all, limt: 3}]", r"data.public.0.limt: unknown key"),
    ("[{corpus: re3d}]", r"data.public.0: .*re3d has no split 'train'"),
    ("[{corpus: conll2003}]", r"data.public.0.corpus"),
    ("[{corpus: polnear, limit: 0}]", r"data.public.0.limit"),
])
def test_bad_public_sources_are_refused(repo, public, message):
    with pytest.raises(ConfigError, match=message):
        load_train_config(repo / "configs" / "smoke.yaml", ["--data.public", public])


@pytest.mark.parametrize("name", ["smoke.yaml", "default.yaml"])
def test_project_only_configs_train_as_before(repo, schema, tokenizer, name, monkeypatch, tmp_path):
    monkeypatch.setenv("TOLL_DATASETS", str(tmp_path / "absent"))  # nothing is read
    cfg = load_train_config(repo / "configs" / name)
    assert cfg.data.public == [] and cfg.data.datasets_dir is None
    public = load_public_sources(cfg.data, schema)
    assert public == [] and not masks_unannotated(cfg, schema, public)  # plain rows, collator, Trainer
    doc = _doc({})
    assert _rows(doc, tokenizer, schema, mask=False) == tagger_features([doc], tokenizer, schema, 128, 1,
                                                                         FeatureReport())


def test_partial_loss_only_when_a_public_document_is_partial(repo, schema):
    cfg = load_train_config(repo / "configs" / "full.yaml")
    partial = [(cfg.data.public[0], [_doc({"annotated_labels": RE3D_LIKE})])]
    complete = [(cfg.data.public[0], [_doc({"annotated_labels": list(schema.entity_labels)})])]
    assert masks_unannotated(cfg, schema, partial)
    assert not masks_unannotated(cfg, schema, complete)
    as_o = load_train_config(repo / "configs" / "full.yaml", ["--data.partial_annotation", "as_o"])
    assert not masks_unannotated(as_o, schema, partial)


def test_datasets_dir_that_does_not_exist_is_named(repo, schema, tmp_path):
    cfg = load_train_config(repo / "configs" / "full.yaml", ["--data.datasets_dir", str(tmp_path)])
    with pytest.raises(CorpusError, match=rf"{tmp_path / 're3d'}.*data.datasets_dir"):
        load_public_sources(cfg.data, schema)


def _datasets_or_skip() -> None:
    try:
        for name in ("re3d", "muc4", "polnear"):
            dataset_root(name)
    except CorpusError:
        pytest.skip("../shared/datasets not found (re3d, muc4, polnear): set TOLL_DATASETS")


def test_full_config_sources_load_with_their_limits(repo, schema):
    _datasets_or_skip()
    cfg = load_train_config(repo / "configs" / "full.yaml")
    loaded = {s.corpus: docs for s, docs in load_public_sources(cfg.data, schema)}
    assert {k: len(v) for k, v in loaded.items()} == {"re3d": 98, "muc4": 100, "polnear": 20}
    assert all(d.id.startswith(f"{corpus}/") for corpus, docs in loaded.items() for d in docs)
    assert loaded["re3d"][0].meta["annotated_labels"] == RE3D_LIKE
    assert loaded["polnear"][0].meta["annotated_labels"] == ["SOURCE"]
    assert {e.label for d in loaded["muc4"] for e in d.entities} >= {"KILLED", "ACTOR", "LOCATION"}
    again = {s.corpus: [d.id for d in docs] for s, docs in load_public_sources(cfg.data, schema)}
    assert again == {k: [d.id for d in v] for k, v in loaded.items()}  # the same sample every run
    outlets = {d.id.split("/", 1)[1].split("_", 1)[0] for d in loaded["polnear"]}
    assert len(outlets) > 3  # spread over the corpus, not its first files (all one outlet)


@pytest.mark.slow
def test_training_with_public_documents_end_to_end(repo, tmp_path):
    """smoke.yaml plus a few public documents: train (masked) -> plain model directory -> predict."""
    _datasets_or_skip()
    from toll.models.networks.heads import load_token_classifier
    from toll.models.inference.pipeline import Pipeline
    from toll.training.train import train

    out = tmp_path / "model"
    cfg = load_train_config(repo / "configs" / "smoke.yaml", [
        "--output_dir", str(out),
        "--data.public", "[{corpus: re3d, split: all, limit: 2}, {corpus: muc4, limit: 3}, {corpus: polnear, limit: 1}]",
    ])
    train(cfg)
    tagger = json.loads((out / "metrics.json").read_text())["training"]["tagger"]
    assert tagger["partial_annotation"] == "mask"
    assert [(s["corpus"], s["documents"]) for s in tagger["public"]] == [("re3d", 2), ("muc4", 3), ("polnear", 1)]
    assert tagger["train_windows"] == tagger["project_windows"] + sum(s["windows"] for s in tagger["public"])
    card = (out / "README.md").read_text()
    assert "- Public corpora, for the tagger only" in card and "re3d (all, limit 2;" in card
    assert type(load_token_classifier(str(out / "tagger"))).__name__ == "BertForTokenClassification"
    record = Pipeline.from_pretrained(out).predict_text("Gunmen killed two guards in Kano on Friday.")
    assert record["id"] == "0"
