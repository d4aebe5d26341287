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
