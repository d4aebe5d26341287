"""Interrupted and repeated training runs (smoke config, real processes and signals)."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow


def train_cmd(repo, out, *extra):
    return [sys.executable, "-m", "toll.training.cli", str(repo / "configs" / "smoke.yaml"), "--output_dir", str(out), *extra]


def dev_metrics(model_dir: Path) -> dict:
    metrics = json.loads((model_dir / "metrics.json").read_text())["dev"]
    return {stage: {k: v for k, v in m.items() if k in ("f1", "precision", "recall", "loss")}
            for stage, m in metrics.items()}


def run(cmd, repo):
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false"}
    return subprocess.run(cmd, cwd=repo, env=env, capture_output=True, text=True, timeout=600)


def test_same_seed_gives_identical_metrics(repo, tmp_path, smoke_model):
    again = tmp_path / "again"
    proc = run(train_cmd(repo, again), repo)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert dev_metrics(again) == dev_metrics(smoke_model)


def test_killed_run_resumes_to_the_same_metrics(repo, tmp_path, smoke_model):
    out = tmp_path / "model"
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false"}
    proc = subprocess.Popen(train_cmd(repo, out), cwd=repo, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)
    work = out.with_name(out.name + ".work") / "tagger"
    deadline = time.time() + 300
    while time.time() < deadline and not list(work.glob("checkpoint-*/trainer_state.json")):
        time.sleep(0.2)
    assert list(work.glob("checkpoint-*")), "no checkpoint was written before the deadline"
    os.killpg(proc.pid, signal.SIGKILL)  # mid-epoch, no chance to clean up
    proc.wait()
    assert not (out / "metrics.json").exists()
    resumed = run(train_cmd(repo, out, "--resume"), repo)
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    assert dev_metrics(out) == dev_metrics(smoke_model)
    training = json.loads((out / "metrics.json").read_text())["training"]
    assert training["tagger"]["resumed_from"] is not None
    assert "tagger stage resumed from `checkpoint-" in (out / "README.md").read_text()


def test_evaluation_is_deterministic(repo, tmp_path, smoke_model):
    from toll.eval.cli import main

    outs = []
    for name in ("a", "b"):
        assert main(["--model", str(smoke_model), "--split", "dev", "--out", str(tmp_path / name), "--no-card",
                     "--bootstrap", "200"]) == 0
        outs.append({p.name: p.read_bytes() for p in (tmp_path / name).rglob("*") if p.is_file()})
    assert outs[0] == outs[1]
