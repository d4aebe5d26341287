"""Repeated document ids: refused naming both places, before the model loads; --dedupe-ids renames."""

import io
import json
import sys

from toll.models.inference.outputs import partial_path
from toll.models.inference.cli import main


def jsonl(path, *ids):
    path.write_text("".join(json.dumps({"id": i, "text": f"Gunmen killed {n + 2} people."}) + "\n"
                            for n, i in enumerate(ids)))
    return path


def run(capsys, *argv):
    code = main([*map(str, argv), "--no-progress"])
    out, err = capsys.readouterr()
    return code, out, err


def test_a_repeated_id_is_refused_naming_both_lines_before_the_model_loads(tmp_path, capsys):
    src = jsonl(tmp_path / "in.jsonl", "a", "b", "a")
    out = tmp_path / "pred.jsonl"
    # no model there: the refusal comes first, before anything is loaded or written
    code, _, err = run(capsys, src, "--model", tmp_path / "no-model", "--out", out)
    assert code == 2
    assert f"repeated document id 'a': {src}:1 and {src}:3" in err and "--dedupe-ids" in err
    assert not out.exists() and not partial_path(out).exists()


def test_a_repeat_across_files_and_folders_names_both_files(tmp_path, capsys):
    for folder in ("monday", "tuesday"):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "kano.txt").write_text("Two guards died.")
    code, _, err = run(capsys, tmp_path / "monday", tmp_path / "tuesday", "--model", tmp_path / "no-model")
    assert code == 2
    assert f"'kano': {tmp_path / 'monday' / 'kano.txt'} and {tmp_path / 'tuesday' / 'kano.txt'}" in err
    first = jsonl(tmp_path / "first.jsonl", "x")
    second = jsonl(tmp_path / "second.jsonl", "y", "x")
    code, _, err = run(capsys, first, second, "--model", tmp_path / "no-model")
    assert code == 2 and f"'x': {first}:1 and {second}:2" in err


def test_a_repeat_on_standard_input_is_refused_too(smoke_model, tmp_path, capsys, monkeypatch):
    data = jsonl(tmp_path / "in.jsonl", "a", "a").read_bytes()
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data)))
    code, _, err = run(capsys, "-", "--model", smoke_model, "--backend", "torch")
    assert code == 2 and "repeated document id 'a': <stdin>:1 and <stdin>:2" in err


def test_dedupe_ids_makes_them_unique_with_a_warning(smoke_model, tmp_path, capsys):
    src = jsonl(tmp_path / "in.jsonl", "a", "b", "a", "a", "a#2")
    out = tmp_path / "pred.jsonl"
    code, _, err = run(capsys, src, "--model", smoke_model, "--backend", "torch", "--out", out, "--dedupe-ids")
    assert code == 0, err
    assert [json.loads(line)["id"] for line in out.read_text().splitlines()] == ["a", "b", "a#2", "a#3", "a#2#2"]
    assert f"warning: repeated id 'a' at {src}:3 (first at {src}:1) written as 'a#2'" in err
    assert "5 predicted, 3 repeated id(s) renamed" in err


def test_dedupe_ids_resumes_to_the_same_output(smoke_model, tmp_path, capsys):
    src = jsonl(tmp_path / "in.jsonl", "a", "a", "b", "a")
    full = tmp_path / "full.jsonl"
    assert run(capsys, src, "--model", smoke_model, "--backend", "torch", "--out", full, "--dedupe-ids")[0] == 0
    lines = full.read_text().splitlines()
    out = tmp_path / "pred.jsonl"
    partial_path(out).write_text("\n".join(lines[:2]) + "\n")  # interrupted after "a" and "a#2"
    code, _, err = run(capsys, src, "--model", smoke_model, "--backend", "torch", "--out", out, "--dedupe-ids",
                       "--resume")
    assert code == 0 and "2 already done" in err
    resumed = out.read_text().splitlines()
    assert resumed[:2] == lines[:2]
    assert [json.loads(line)["id"] for line in resumed] == [json.loads(line)["id"] for line in lines] \
        == ["a", "a#2", "b", "a#3"]
