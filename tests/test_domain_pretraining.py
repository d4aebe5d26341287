"""Domain-adaptive pretraining: windows cover the text, no test text is read, and a tiny run leaves an
encoder that the tagger trains from (skipped when ../shared/datasets is absent)."""

from __future__ import annotations

import json

import pytest

from toll.models.networks.encoders import resolve_encoder
from toll.models.common.errors import CorpusError
from toll.training.domain_pretraining import pretrain, text_windows, unlabeled_texts
from toll.training.corpus.readers.public import load_split


@pytest.fixture(scope="module")
def tokenizer():
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(resolve_encoder("bundled:minilm-l6"))


@pytest.fixture(scope="module")
def re3d_available():
    try:
        load_split("re3d-conflibert", "dev", limit=1)
    except CorpusError as exc:
        pytest.skip(str(exc))


def test_windows_cover_every_word_piece_in_order_and_none_is_longer_than_asked(tokenizer):
    texts = ["At least seven people were killed in Aleppo on Sunday, the observatory said.", "",
             "Two soldiers were wounded."]
    windows = text_windows(texts, tokenizer, max_tokens=5)
    expected = [i for t in texts for i in tokenizer(t, add_special_tokens=False)["input_ids"]]
    assert [i for w in windows for i in w["input_ids"]] == expected
    assert all(1 <= len(w["input_ids"]) <= 5 for w in windows)
    assert len(text_windows(texts[2:], tokenizer, max_tokens=512)) == 1


def test_only_train_and_dev_text_is_read(re3d_available):
    texts = unlabeled_texts(["re3d-conflibert"])
    train, dev = load_split("re3d-conflibert", "train"), load_split("re3d-conflibert", "dev")
    assert texts == [d.text for d in train + dev if d.text.strip()]


@pytest.mark.slow
def test_a_tiny_run_lowers_held_out_loss_and_leaves_an_encoder_the_tagger_loads(re3d_available, tmp_path):
    from toll.models.networks.heads import load_token_classifier

    out = tmp_path / "encoder"
    facts = pretrain(out, corpora=["re3d-conflibert"], max_windows=48, batch_size=16,
                     head_warmup_windows=16, log=lambda _: None)
    assert facts["train_windows"] == 48 and facts["head_warmup_windows"] == 16
    assert facts["held_out_loss_after"] < facts["held_out_loss_before"]
    assert json.loads((out / "pretraining.json").read_text()) == facts
    assert not out.with_name("encoder.tmp").exists() and not out.with_name("encoder.work").exists()
    model = load_token_classifier(str(out), ["O", "B-Location", "I-Location"])
    assert model.config.num_labels == 3
    assert resolve_encoder(str(out)) == str(out)
