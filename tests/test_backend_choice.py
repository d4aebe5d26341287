"""--backend auto: which backend the hardware and the measured accuracy pick, and why; the
position counters every backend keeps."""

import pytest
import torch

from toll.models.common.machine import native_bf16
from toll.models.inference.backends import Choice, choose_backend, rule_verdict
from toll.models.inference.positions import CountedBackend, PositionCounts

ZEN4 = {"avx2", "avx512f", "avx512_vnni", "avx512_bf16"}  # AVX-512 BF16, no AMX
SAPPHIRE_RAPIDS = ZEN4 | {"amx_tile", "amx_bf16"}
AVX2_ONLY = {"avx2", "fma"}

FP32 = {"entities": 77.50, "casualty_spans": 84.90, "relations_end_to_end": 58.50,
        "relations_gold_entities": 75.20, "count_exact": 99.30, "entity_ece": 0.205}


def table(bf16: dict | None = None, int8: dict | None = None) -> dict:
    """A measured table: fp32 as above, bf16 and int8 losing the given points (dev and test alike)."""
    def minus(losses):
        return {k: round(v - losses.get(k, 0.0), 2) for k, v in FP32.items()}

    return {split: {"torch": dict(FP32), "torch-bf16": minus(bf16 or {}), "onnx": dict(FP32),
                    "onnx-int8": minus(int8 or {})} for split in ("dev", "test")}


def test_native_bf16_is_read_from_the_cpu_flags_or_the_gpu():
    assert native_bf16(ZEN4) == "CPU has AVX-512 BF16"
    assert native_bf16(SAPPHIRE_RAPIDS) == "CPU has AMX"
    assert native_bf16(AVX2_ONLY) is None
    assert native_bf16(AVX2_ONLY, gpu="NVIDIA H100") == "GPU NVIDIA H100 computes bf16"


def test_bf16_where_the_cpu_computes_it_and_bf16_keeps_the_rule():
    choice = choose_backend(native_bf16(ZEN4), table(bf16={"relations_end_to_end": 0.31}, int8={"entities": 0.1}))
    assert choice == Choice("torch-bf16", "CPU has AVX-512 BF16; bf16 loses at most 0.31 F1 points "
                                          "(relations end to end F1, dev)")
    assert choose_backend(native_bf16(SAPPHIRE_RAPIDS), table()).reason.startswith("CPU has AMX; bf16 loses at most 0.00")


def test_bf16_that_loses_too_much_is_not_chosen_int8_that_keeps_the_rule_is():
    choice = choose_backend(native_bf16(ZEN4), table(bf16={"count_exact": 0.6}, int8={"casualty_spans": 0.5}))
    assert choice.backend == "onnx-int8"
    assert choice.reason == ("CPU has AVX-512 BF16 but bf16 loses 0.60 F1 points on count exact match (dev), more "
                             "than the 0.5 allowed; int8 loses at most 0.50 F1 points (casualty spans F1, dev)")


def test_int8_on_a_cpu_without_bf16():
    choice = choose_backend(native_bf16(AVX2_ONLY), table(int8={"entities": 0.2}))
    assert choice == Choice("onnx-int8", "no native bf16 on this CPU; int8 loses at most 0.20 F1 points "
                                         "(entities micro-F1, dev)")


def test_fp32_when_neither_keeps_the_rule():
    measured = table(bf16={"entities": 0.7}, int8={"relations_gold_entities": 1.2})
    measured["test"]["onnx-int8"]["relations_gold_entities"] = FP32["relations_gold_entities"]  # dev alone fails
    choice = choose_backend(native_bf16(ZEN4), measured)
    assert choice.backend == "onnx"
    assert choice.reason == ("fp32: CPU has AVX-512 BF16 but bf16 loses 0.70 F1 points on entities micro-F1 (dev), "
                             "more than the 0.5 allowed; int8 loses 1.20 F1 points on relations on gold entities F1 "
                             "(dev), more than the 0.5 allowed")
    assert choose_backend(None, measured).reason.startswith("fp32: no native bf16 on this CPU; int8 loses 1.20")


def test_fp32_when_the_model_was_not_measured():
    choice = choose_backend(native_bf16(ZEN4), None)
    assert choice.backend == "onnx"
    assert choice.reason.startswith("fp32: CPU has AVX-512 BF16; bf16 and int8 not measured for this model's weights; "
                                    "measure them with python -m toll.eval.benchmarks.backends")


def test_a_table_without_the_dev_split_does_not_pass():
    measured = table()
    del measured["dev"]
    assert rule_verdict(measured, "torch-bf16") == (False, "not measured on the dev split")
    assert choose_backend(native_bf16(ZEN4), measured).backend == "onnx"


def test_calibration_error_is_reported_not_ruled():
    measured = table()
    for split in measured.values():
        split["torch-bf16"]["entity_ece"] = 0.9  # much worse calibration, same F1
    assert choose_backend(native_bf16(ZEN4), measured).backend == "torch-bf16"


def test_on_a_gpu_the_fallback_is_torch_not_the_cpu_runtimes():
    assert choose_backend("GPU H100 computes bf16", table(), gpu="H100").backend == "torch-bf16"
    assert choose_backend(None, table(int8={}), gpu="V100") == Choice("torch", "fp32 on GPU V100: no native bf16 on "
                                                                               "this GPU")
    assert choose_backend("GPU H100 computes bf16", None, gpu="H100").backend == "torch"


class _FakeBackend:
    name = "fake"

    def tagger_logits(self, input_ids, attention_mask):
        return torch.zeros((*input_ids.shape, 3)).numpy()

    def relation_logits(self, batch):
        return torch.zeros((batch["input_ids"].shape[0], 1, 2)).numpy()


def test_counted_backend_adds_up_real_and_padding_positions():
    counted = CountedBackend(_FakeBackend(), Choice("fake", "a test"))
    counted.tagger_logits(torch.ones((2, 5), dtype=torch.long), torch.tensor([[1, 1, 1, 1, 1], [1, 1, 1, 0, 0]]))
    counted.tagger_logits(torch.ones((1, 3), dtype=torch.long), torch.tensor([[1, 1, 1]]))
    counted.relation_logits({"input_ids": torch.ones((2, 4), dtype=torch.long),
                             "attention_mask": torch.tensor([[1, 1, 1, 1], [1, 1, 0, 0]])})
    counted.positions.words = 10
    record = counted.positions.record()
    assert record["tagger"] == {"rows": 3, "real": 11, "padding": 2, "padding_share": round(2 / 13, 4)}
    assert record["relation"] == {"rows": 2, "real": 6, "padding": 2, "padding_share": 0.25}
    assert record["all"] == {"real": 17, "padding": 4, "padding_share": round(4 / 21, 4), "per_word": 2.1}
    assert counted.name == "fake" and counted.choice.reason == "a test"
    assert counted.positions.in_words().endswith("10 words read, 2.10 encoder positions per word")


def test_no_words_no_ratio():
    assert PositionCounts().record()["all"]["per_word"] is None


@pytest.mark.parametrize("flags", [ZEN4, AVX2_ONLY])
def test_training_precision_auto_asks_the_same_question(flags, monkeypatch):
    from toll.models.common import machine
    from toll.training import trainer_setup

    monkeypatch.setattr(machine, "cpu_flags", lambda: flags)
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert trainer_setup.resolve_precision("auto") == ("bf16" if "avx512_bf16" in flags else "fp32")
