"""Training under torchrun with two CPU processes (DDP over gloo): both ranks train, rank 0 writes."""

import json
import os
import subprocess
import sys

import pytest

pytestmark = pytest.mark.slow  # two processes train the smoke config: a few minutes on 2 cores


def test_torchrun_two_cpu_ranks_train_the_smoke_config(repo, tmp_path):
    out = tmp_path / "model"
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false",
           "OMP_NUM_THREADS": "1",  # one core per rank
           "CUDA_VISIBLE_DEVICES": ""}  # CPU ranks even where a GPU is present: gloo
    command = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2",
               "-m", "toll.training.cli", "configs/smoke.yaml", "--output_dir", str(out)]
    proc = subprocess.run(command, cwd=repo, env=env, capture_output=True, text=True, timeout=1500)
    assert proc.returncode == 0, proc.stderr[-4000:]
    assert "model written to" in proc.stdout
    training = json.loads((out / "metrics.json").read_text())["training"]
    # torchrun exits 0 only when every rank did; the Trainer records the process group's size
    assert training["tagger"]["world_size"] == 2
    assert training["relations"]["world_size"] == 2

    from toll.models.inference.pipeline import Pipeline

    record = Pipeline.from_pretrained(out).predict_text("Gunmen killed two guards in Kano on Friday.")
    assert record["id"] == "0"
