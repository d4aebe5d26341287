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

CPU_FEATURES = ("avx2", "avx512f", "avx512_vnni", "avx512_bf16", "amx_tile")


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
        flags = re.search(r"Flags:\s*(.+)", lscpu).group(1).split()
        features = [f for f in CPU_FEATURES if f in flags]
    except (OSError, AttributeError):
        features = []
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
