"""The hardware limit for the speed benchmark: how fast this CPU multiplies matrices, and how much
arithmetic the tagger needs per token. Their ratio says how close a backend runs to the machine.

>>> round(flops_per_token({"hidden_size": 384, "intermediate_size": 1536, "num_hidden_layers": 6,
...                        "id2label": {str(i): "x" for i in range(25)}}, length=128) / 1e6, 1)
22.4
"""

from __future__ import annotations

import time


def gemm_rates(m: int, k: int = 384, n: int = 1536) -> dict:
    """fp32 / bf16 / int8 GEMM rates in GFLOP/s (GOP/s) on ``[m × k]·[k × n]``; the defaults are the
    tagger's FFN shape.

    int8 is the better of ``torch._int_mm`` (a plain int8 GEMM; only fast where the CPU has
    VNNI/AMX kernels) and a dynamically quantized ``Linear`` (FBGEMM: quantizes the activations on
    the fly, as ONNX Runtime's dynamic int8 does; AVX2 kernels)."""
    # imported when measuring: the spaCy child and `--help` import this module too, without torch
    import warnings

    import torch

    warnings.filterwarnings("ignore")  # torch.ao.quantization deprecation notices

    def rate(fn, budget: float = 1.5) -> float:
        fn()
        count, start = 0, time.perf_counter()
        while time.perf_counter() - start < budget:
            fn()
            count += 1
        return 2 * m * k * n * count / (time.perf_counter() - start) / 1e9

    a, b = torch.randn(m, k), torch.randn(k, n)
    ab, bb = a.bfloat16(), b.bfloat16()
    out = {"fp32": rate(lambda: a @ b), "bf16": rate(lambda: ab @ bb)}
    linear = torch.nn.Linear(k, n, bias=False)
    quantized = torch.ao.quantization.quantize_dynamic(torch.nn.Sequential(linear), {torch.nn.Linear},
                                                       dtype=torch.qint8)
    with torch.inference_mode():
        int8 = {"dynamic Linear (fbgemm)": rate(lambda: quantized(a))}
    ai = torch.randint(-128, 127, (m, k), dtype=torch.int8)
    bi = torch.randint(-128, 127, (k, n), dtype=torch.int8)
    try:
        int8["torch._int_mm"] = rate(lambda: torch._int_mm(ai, bi))
    except RuntimeError:
        pass
    out["int8_method"], out["int8"] = max(int8.items(), key=lambda kv: kv[1])
    out["int8_all"] = {k: round(v, 1) for k, v in int8.items()}
    out["threads"] = torch.get_num_threads()
    return {k: (round(v, 1) if isinstance(v, float) else v) for k, v in out.items()}


def flops_per_token(config: dict, length: int) -> float:
    """Multiply-adds x 2 per token of a BERT-style encoder + token classifier at ``length`` tokens
    (``config``: the encoder's Hugging Face ``config.json``)."""
    h, i, layers = config["hidden_size"], config["intermediate_size"], config["num_hidden_layers"]
    per_layer = 2 * (4 * h * h + 2 * h * i) + 2 * 2 * length * h  # projections, FFN, QK^T and AV
    return layers * per_layer + 2 * h * len(config.get("id2label", {}))
