"""toll-predict end to end on a smoke model: inputs, outputs, resume, bad input."""

import json


from toll.models.inference.outputs import partial_path
from toll.models.inference.cli import main


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_folder_to_jsonl_and_csv(smoke_model, tmp_path, capsys):
    arts = tmp_path / "articles"
    arts.mkdir()
    (arts / "a.txt").write_text("Gunmen killed two guards in Kano on Friday, police said.")
    (arts / "b.txt").write_text("")
    out = tmp_path / "pred.jsonl"
    code, _, err = run(capsys, str(arts), "--model", str(smoke_model), "--out", str(out),
                       "--csv", str(tmp_path / "c.csv"), "--no-progress")
    assert code == 0, err
    lines = [json.loads(x) for x in out.read_text().splitlines()]
    assert [r["id"] for r in lines] == ["a", "b"]
    assert set(lines[0]) >= {"id", "entities", "relations", "casualties"}
    header = (tmp_path / "c.csv").read_text().splitlines()[0]
    assert header.startswith("doc_id,entity,type,count_value")
    assert not partial_path(out).exists()


def test_jsonl_malformed_line_is_named_and_skip_bad_counts(smoke_model, tmp_path, capsys):
    src = tmp_path / "in.jsonl"
    src.write_text('{"id": "a", "text": "Two died."}\n{"id": "b", "text": \n{"id": "c", "text": "x"}\n')
    out = tmp_path / "pred.jsonl"
    code, _, err = run(capsys, str(src), "--model", str(smoke_model), "--out", str(out), "--no-progress")
    assert code == 2 and "in.jsonl: line 2:" in err and "--skip-bad" in err
    assert not out.exists()
    code, _, err = run(capsys, str(src), "--model", str(smoke_model), "--out", str(out), "--no-progress", "--skip-bad")
    assert code == 0 and "1 skipped" in err
    assert [json.loads(x)["id"] for x in out.read_text().splitlines()] == ["a", "c"]


def test_csv_without_the_text_column(smoke_model, tmp_path, capsys):
    src = tmp_path / "in.csv"
    src.write_text("id,body\n1,Two died.\n")
    code, _, err = run(capsys, str(src), "--model", str(smoke_model), "--no-progress")
    assert code == 2 and "no column 'text' (columns: id, body)" in err
    code, out, _ = run(capsys, str(src), "--model", str(smoke_model), "--no-progress", "--text-column", "body")
    assert code == 0 and json.loads(out)["id"] == "1"


def test_non_utf8_is_replaced_and_counted_or_refused(smoke_model, tmp_path, capsys):
    src = tmp_path / "latin1.txt"
    src.write_bytes("Caf\xe9 bombing killed 3.".encode("latin-1"))
    code, out, err = run(capsys, str(src), "--model", str(smoke_model), "--no-progress")
    assert code == 0 and "1 undecodable byte(s) replaced" in err
    code, _, err = run(capsys, str(src), "--model", str(smoke_model), "--no-progress", "--encoding-errors", "strict")
    assert code == 2 and "latin1.txt: not valid UTF-8 at byte 3" in err


def test_binary_file_is_refused_by_name(smoke_model, tmp_path, capsys):
    src = tmp_path / "image.txt"
    src.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00")
    code, _, err = run(capsys, str(src), "--model", str(smoke_model), "--no-progress")
    assert code == 2 and "image.txt: looks like a binary file" in err


def test_resume_completes_without_duplicates(smoke_model, tmp_path, capsys):
    src = tmp_path / "in.jsonl"
    src.write_text("".join(json.dumps({"id": f"d{i}", "text": f"Gunmen killed {i} people."}) + "\n" for i in range(6)))
    out = tmp_path / "pred.jsonl"
    # an interrupted run: three complete lines and a torn fourth in the partial file
    partial = partial_path(out)
    full = tmp_path / "full.jsonl"
    assert run(capsys, str(src), "--model", str(smoke_model), "--out", str(full), "--no-progress")[0] == 0
    complete = full.read_text().splitlines()
    partial.write_text("\n".join(complete[:3]) + "\n" + complete[3][:20])
    code, _, err = run(capsys, str(src), "--model", str(smoke_model), "--out", str(out), "--resume", "--no-progress")
    assert code == 0 and "3 already done" in err
    assert out.read_text().splitlines() == complete


def test_missing_input(smoke_model, tmp_path, capsys):
    code, _, err = run(capsys, str(tmp_path / "nope"), "--model", str(smoke_model))
    assert code == 2 and "nope: no such file or folder" in err


def test_folder_with_thousands_of_files(smoke_model, tmp_path, capsys):
    arts = tmp_path / "many"
    arts.mkdir()
    for i in range(2000):
        (arts / f"{i:04d}.txt").write_text("" if i % 7 == 0 else f"Gunmen killed {i} people.")
    out = tmp_path / "pred.jsonl"
    code, _, err = run(capsys, str(arts), "--model", str(smoke_model), "--out", str(out), "--no-progress")
    assert code == 0 and "2000 document(s) read; 2000 predicted" in err
    ids = [json.loads(x)["id"] for x in out.read_text().splitlines()]
    assert ids == [f"{i:04d}" for i in range(2000)]


def test_empty_and_whitespace_articles(smoke_model, tmp_path, capsys):
    (tmp_path / "empty.txt").write_text("")
    (tmp_path / "blank.txt").write_text("  \n\t \n")
    code, out, err = run(capsys, str(tmp_path / "empty.txt"), str(tmp_path / "blank.txt"),
                         "--model", str(smoke_model), "--no-progress")
    assert code == 0
    records = [json.loads(x) for x in out.splitlines()]
    assert [(r["id"], r["entities"]) for r in records] == [("empty", []), ("blank", [])]


def test_five_megabyte_article_is_skipped_and_counted(smoke_model, tmp_path, capsys):
    big = tmp_path / "scraped.txt"
    big.write_text(("Gunmen killed two guards in Kano on Friday, police said. " * 90_000)[:5_000_000])
    small = tmp_path / "ok.txt"
    small.write_text("Two soldiers died.")
    out = tmp_path / "pred.jsonl"
    code, _, err = run(capsys, str(big), str(small), "--model", str(smoke_model), "--out", str(out), "--no-progress")
    assert code == 0
    assert "scraped.txt: 5,000,000 characters, over the --max-chars limit of 2,000,000" in err
    assert "1 document(s) read, 1 skipped" in err
    assert [json.loads(x)["id"] for x in out.read_text().splitlines()] == ["ok"]


def _measured_table(model, tmp_path, bf16_loss: float) -> "Path":
    """A measured table bound to ``model``'s weights in which bf16 loses ``bf16_loss`` points
    and int8 loses 2 (dev and test alike)."""
    from toll.models.inference.backends import weights_fingerprint

    fp32 = {"entities": 70.0, "casualty_spans": 80.0, "relations_end_to_end": 50.0,
            "relations_gold_entities": 60.0, "count_exact": 99.0, "entity_ece": 0.1}
    scores = {split: {"torch": fp32, "torch-bf16": {**fp32, "entities": 70.0 - bf16_loss},
                      "onnx-int8": {**fp32, "relations_end_to_end": 48.0}} for split in ("dev", "test")}
    path = tmp_path / "measured_backends.json"
    path.write_text(json.dumps({"weights": weights_fingerprint(model), "scores": scores}))
    return path


def test_auto_picks_bf16_on_a_bf16_cpu_prints_why_and_records_it_in_the_summary(smoke_model, tmp_path, capsys,
                                                                                  monkeypatch):
    from toll.models.inference import backends

    monkeypatch.setattr(backends, "MEASURED_FILE", _measured_table(smoke_model, tmp_path, bf16_loss=0.25))
    monkeypatch.setattr(backends, "cpu_flags", lambda: {"avx2", "avx512f", "avx512_bf16"})
    article = tmp_path / "a.txt"
    article.write_text("Gunmen killed two guards in Kano on Friday, police said.")
    out = tmp_path / "pred.jsonl"
    code, _, err = run(capsys, str(article), "--model", str(smoke_model), "--out", str(out), "--no-progress")
    assert code == 0, err
    reason = "CPU has AVX-512 BF16; bf16 loses at most 0.25 F1 points (entities micro-F1, dev)"
    assert f"backend: torch-bf16 ({reason})" in err.splitlines()
    summary = json.loads((tmp_path / "pred.summary.json").read_text())
    assert (summary["backend"], summary["reason"], summary["predicted"]) == ("torch-bf16", reason, 1)

    # a bf16 that loses more than the rule allows is not chosen, and int8 (losing 2 points) neither
    monkeypatch.setattr(backends, "MEASURED_FILE", _measured_table(smoke_model, tmp_path, bf16_loss=0.75))
    code, _, err = run(capsys, str(article), "--model", str(smoke_model), "--out", str(out), "--no-progress")
    summary = json.loads((tmp_path / "pred.summary.json").read_text())
    assert code == 0 and summary["backend"] == "onnx"
    assert summary["reason"].startswith("fp32: CPU has AVX-512 BF16 but bf16 loses 0.75 F1 points on entities")

    # an explicit --backend wins over the table
    code, _, err = run(capsys, str(article), "--model", str(smoke_model), "--out", str(out), "--no-progress",
                       "--backend", "torch")
    summary = json.loads((tmp_path / "pred.summary.json").read_text())
    assert code == 0 and "backend: torch (asked for by name)" in err
    assert (summary["backend"], summary["reason"]) == ("torch", "asked for by name")


def test_a_table_measured_on_other_weights_is_not_used(smoke_model, tmp_path, capsys, monkeypatch):
    from toll.models.inference import backends

    table = _measured_table(smoke_model, tmp_path, bf16_loss=0.0)
    other = json.loads(table.read_text())
    other["weights"]["tagger/model.safetensors"] = "0" * 64  # as if measured before a retraining
    table.write_text(json.dumps(other))
    monkeypatch.setattr(backends, "MEASURED_FILE", table)
    monkeypatch.setattr(backends, "cpu_flags", lambda: {"avx512_bf16"})
    choice = backends.auto_backend(smoke_model)
    assert choice.backend == "onnx" and "not measured for this model's weights" in choice.reason


def test_the_summary_counts_the_positions_each_network_read(smoke_model, tmp_path, capsys):
    """Two short articles, one window each, batched together: the tagger reads each article's word
    pieces plus [CLS] and [SEP], the shorter padded to the longer."""
    from toll.models.inference.pipeline import Pipeline
    from toll.models.text.alignment import tokenize

    texts = {"a": "Gunmen killed two guards in Kano on Friday, police said.",
             "b": "A car bomb killed at least seven soldiers in Ghazni on Monday, a spokesman for the army said."}
    src = tmp_path / "in.jsonl"
    src.write_text("".join(json.dumps({"id": k, "text": v}) + "\n" for k, v in texts.items()))
    out = tmp_path / "pred.jsonl"
    code, _, err = run(capsys, str(src), "--model", str(smoke_model), "--out", str(out), "--no-progress",
                       "--backend", "torch")
    assert code == 0, err
    positions = json.loads((tmp_path / "pred.summary.json").read_text())["positions"]

    pipe = Pipeline.from_pretrained(smoke_model, backend="torch")
    toks = {k: tokenize(pipe.tokenizer, v, pipe.case_marker) for k, v in texts.items()}
    n = {k: t.n_tokens + 2 for k, t in toks.items()}  # with [CLS] and [SEP]
    assert positions["tagger"] == {"rows": 2, "real": n["a"] + n["b"], "padding": n["b"] - n["a"],
                                   "padding_share": round((n["b"] - n["a"]) / (2 * n["b"]), 4)}
    assert positions["words"] == sum(len(t.word_spans) for t in toks.values())
    relation = positions["relation"]
    both = positions["all"]
    assert both["real"] == positions["tagger"]["real"] + relation["real"]
    assert both["padding"] == positions["tagger"]["padding"] + relation["padding"]
    assert both["per_word"] == round((both["real"] + both["padding"]) / positions["words"], 3)
    assert f"{positions['words']} words read" in err
