"""The machine a run was measured on, recorded beside its results (benchmarks, the model card).

:func:`machine` gathers the facts once; :func:`machine_in_words` is the short form the model card
prints for the training hardware:

>>> machine_in_words({"gpu": None, "cores": 2, "torch": "2.13.0", "arch": "x86_64"})
'CPU (2 cores), torch 2.13.0, x86_64'
>>> machine_in_words({"gpu": "NVIDIA H100 80GB HBM3", "cores": 16, "torch": "2.13.0", "arch": "x86_64"})
'NVIDIA H100 80GB HBM3, torch 2.13.0, x86_64'
"""

from __future__ import annotations

import os
import platform
import re
import subprocess

CPU_FEATURES = ("avx2", "avx512f", "avx512_vnni", "avx512_bf16", "amx_tile", "amx_bf16")
# the /proc/cpuinfo flags of native bf16 arithmetic, most capable first, as the reasons name them
BF16_FLAGS = (("amx_bf16", "AMX"), ("avx512_bf16", "AVX-512 BF16"))


def cpu_flags() -> set[str]:
    """The CPU's feature flags from ``/proc/cpuinfo`` (empty where there is none: not Linux)."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as info:
            return set(next((line for line in info if line.startswith("flags")), "").partition(":")[2].split())
    except OSError:
        return set()


def native_bf16(flags: set[str] | None = None, gpu: str | None = None) -> str | None:
    """Why this machine computes bf16 in hardware, or ``None`` where it would emulate it (slower
    than fp32: an AVX2 CPU). ``flags`` and ``gpu`` default to this machine's (a CUDA device that
    supports bf16; else the CPU flags). Training's ``precision: auto`` and toll-predict's
    ``--backend auto`` both ask this.

    >>> native_bf16({"avx2", "avx512f", "avx512_bf16"}, gpu=None)
    'CPU has AVX-512 BF16'
    >>> native_bf16({"avx512_bf16", "amx_tile", "amx_bf16"}), native_bf16({"avx2"}) is None
    ('CPU has AMX', True)
    >>> native_bf16(set(), gpu="NVIDIA H100 80GB HBM3")
    'GPU NVIDIA H100 80GB HBM3 computes bf16'
    """
    if flags is None and gpu is None:
        # imported when called: every module of models.common stays importable without torch
        import torch

        if torch.cuda.is_available():  # the networks run there, whatever the CPU has
            name = torch.cuda.get_device_name(0)
            return f"GPU {name} computes bf16" if torch.cuda.is_bf16_supported() else None
    if gpu:
        return f"GPU {gpu} computes bf16"
    flags = cpu_flags() if flags is None else flags
    return next((f"CPU has {name}" for flag, name in BF16_FLAGS if flag in flags), None)


def machine() -> dict:
    """CPU model and the vector features that matter for inference, cores, memory, GPU, and the
    versions of the numeric libraries."""
    # imported when called: every module of models.common stays importable without torch
    import numpy
    import onnxruntime
    import torch

    model = platform.processor()
    try:
        lscpu = subprocess.run(["lscpu"], capture_output=True, text=True).stdout
        model = re.search(r"Model name:\s*(.+)", lscpu).group(1).strip()
    except (OSError, AttributeError):
        pass
    flags = cpu_flags()
    features = [f for f in CPU_FEATURES if f in flags]
    return {"cpu": model, "features": features, "cores": os.cpu_count(), "torch": torch.__version__,
            "onnxruntime": onnxruntime.__version__, "numpy": numpy.__version__,
            "python": platform.python_version(), "memory_gb": round(os.sysconf("SC_PAGE_SIZE") *
                                                                    os.sysconf("SC_PHYS_PAGES") / 2**30, 1),
            "gpu": torch.cuda.get_device_name(0) if torch.cuda.is_available() else None,
            "arch": platform.machine()}


def machine_in_words(facts: dict) -> str:
    """The GPU (or the CPU's cores), torch and the architecture: the model card's training hardware."""
    device = facts["gpu"] or f"CPU ({facts['cores']} cores)"
    return f"{device}, torch {facts['torch']}, {facts['arch']}"
