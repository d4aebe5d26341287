"""toll-predict --engine ray on a local Ray with two CPUs gives the single-process output."""

import json

import pytest

pytest.importorskip("ray", reason="ray is not installed (pip install -e '.[ray]')")
pytest.importorskip("ray.data", reason="ray[data] is not installed (pip install -e '.[ray]')")

from toll.models.inference.cli import main  # noqa: E402

pytestmark = pytest.mark.slow  # a local Ray, two actors each loading the model: ~40 s


@pytest.fixture(scope="module")
def local_ray():
    import ray

    ray.init(num_cpus=2, include_dashboard=False)
    yield ray
    ray.shutdown()


@pytest.fixture(scope="module")
def articles(repo, tmp_path_factory):
    """The test split's texts (and a blank article) as JSONL and as a folder of .txt files."""
    splits = json.loads((repo / "data/splits.json").read_text())
    ids = [i for i in splits["test"] if (repo / "seeds" / f"{i}.txt").exists()]  # standoff texts have no seed
    folder = tmp_path_factory.mktemp("articles")
    rows = []
    for doc_id in ids:
        text = (repo / "seeds" / f"{doc_id}.txt").read_text()
        (folder / f"{doc_id}.txt").write_text(text)
        rows.append({"id": doc_id, "text": text})
    (folder / "zz_blank.txt").write_text("")
    rows.append({"id": "zz_blank", "text": ""})
    jsonl = folder.parent / "articles.jsonl"
    jsonl.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return folder, jsonl


def _predict(tmp_path, name, *argv):
    out = tmp_path / f"{name}.jsonl"
    assert main([*argv, "--out", str(out), "--no-progress"]) == 0
    return out.read_text().splitlines()


def test_ray_output_equals_single_process_output(local_ray, smoke_model, articles, tmp_path):
    folder, jsonl = articles
    # chunks of 8 documents: 4 actor calls shared by the two workers
    common = ["--model", str(smoke_model), "--backend", "onnx", "--chunk-size", "8"]
    local = _predict(tmp_path, "local", str(folder), *common)
    on_ray = _predict(tmp_path, "ray", str(folder), *common, "--engine", "ray", "--workers", "2")
    assert len(local) == len(list(folder.glob("*.txt"))) > 100 and on_ray == local
    # JSONL read by Ray itself (in parallel), same records in the same order
    from_jsonl = _predict(tmp_path, "ray_jsonl", str(jsonl), *common, "--engine", "ray", "--workers", "2")
    assert from_jsonl == local


def test_ray_parquet_output_has_ids_and_records(local_ray, smoke_model, articles, tmp_path):
    import pyarrow.parquet as pq

    _, jsonl = articles
    out = tmp_path / "pred.parquet"
    assert main([str(jsonl), "--model", str(smoke_model), "--backend", "onnx", "--engine", "ray",
                 "--workers", "2", "--out", str(out), "--no-progress"]) == 0
    table = pq.read_table(out)
    assert table.column_names == ["id", "record"] and table.num_rows == len(jsonl.read_text().splitlines())
    assert {json.loads(r)["id"] for r in table.column("record").to_pylist()} == set(table.column("id").to_pylist())


def test_ray_names_a_missing_text_column(local_ray, smoke_model, tmp_path, capsys):
    src = tmp_path / "in.jsonl"
    src.write_text('{"id": "a", "body": "Two died."}\n')
    code = main([str(src), "--model", str(smoke_model), "--backend", "onnx", "--engine", "ray", "--workers", "1",
                 "--no-progress"])
    assert code == 2 and "no column 'text'" in capsys.readouterr().err
