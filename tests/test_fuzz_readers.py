"""Fuzzing the readers: random bytes, JSON, CSV and Label Studio tasks give a document or a clean
error that names the file and line (or task), never another exception, and every span they keep
lies inside the text and covers the text its region says."""

from __future__ import annotations

import csv
import io
import json
import math
import re
import sys
import tempfile
from contextlib import contextmanager
from pathlib import Path
from unittest import mock

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from toll.models.text.document import Document
from toll.models.common.errors import CorpusError, TollError
from toll.models.inference.inputs import InputOptions, InputReport, read_inputs
from toll.models.text.validation import Problem
from toll.models.text.studio_files import read_documents
from toll.models.text.studio_format import document_to_task, dumps_tasks, task_to_document

SURROGATE = re.compile("[\ud800-\udfff]")
FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# -- strategies ------------------------------------------------------------------------------------
# Byte pieces that readers trip on: NUL, BOMs, bare CR, invalid and truncated UTF-8, an encoded
# lone surrogate, JSON and CSV punctuation, non-ASCII letters.
NASTY = [b"\x00", b"\xef\xbb\xbf", b"\xff\xfe", b"\r", b"\n", b"\r\n", b"\xff", b"\xc3", b"\xed\xa0\x80",
         b"\xe2\x80\xa8", b"{", b"}", b"[", b'"', b",", b":", b"\\", b"\\ud800", b'"text"', b'"id"',
         b"text", b"id", b"Gunmen killed two.", "قتل".encode(), "中".encode(), b" ", b"\t", b"1e999",
         b"null", b"[" * 50]
random_bytes = st.one_of(st.binary(max_size=300),
                         st.lists(st.sampled_from(NASTY), max_size=40).map(b"".join))

json_scalars = st.one_of(st.none(), st.booleans(), st.integers(-10**6, 10**6),
                         st.floats(allow_nan=True), st.text(max_size=20))
json_values = st.recursive(json_scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=8), inner, max_size=4)), max_leaves=12)
# objects that look like articles often, so the readers' happy paths are fuzzed too
articles = st.fixed_dictionaries({}, optional={"id": json_values, "text": st.one_of(st.text(max_size=60), json_values),
                                               "extra": json_values})


def _encode_json(value: object, ascii_only: bool) -> bytes:
    return json.dumps(value, ensure_ascii=ascii_only).encode("utf-8", "surrogatepass")


jsonl_lines = st.one_of(
    st.builds(_encode_json, st.one_of(articles, json_values), st.booleans()),
    random_bytes.filter(lambda b: b"\n" not in b and b"\r" not in b),
    st.just(b""), st.just(b"   "), st.just(b"[" * 2000 + b"]" * 2000), st.just(b'{"id": 1, "text": "\\ud800"}'))
jsonl_files = st.tuples(st.lists(jsonl_lines, max_size=8), st.sampled_from([b"\n", b"\r\n", b"\r"])).map(
    lambda lines_sep: lines_sep[1].join(lines_sep[0]))

csv_cells = st.one_of(st.text(max_size=15), st.sampled_from(["text", "id", '"', '""', "a,b", "\n", "\r", "\x00"]))


@st.composite
def csv_files(draw) -> bytes:
    if draw(st.booleans()):
        return draw(random_bytes)
    header = draw(st.lists(st.sampled_from(["text", "id", "title", "", "text"]) | st.text(max_size=6), max_size=4))
    rows = draw(st.lists(st.lists(csv_cells, max_size=5), max_size=6))
    out = io.StringIO()
    writer = csv.writer(out, quoting=draw(st.sampled_from([csv.QUOTE_MINIMAL, csv.QUOTE_ALL, csv.QUOTE_NONNUMERIC])))
    for row in [header, *rows]:
        writer.writerow(row)
    data = out.getvalue().encode("utf-8", "surrogatepass")
    cut = draw(st.integers(0, len(data)))  # sometimes a truncated file: an open quote at the end
    return data[:cut] if draw(st.booleans()) else data


options = st.builds(InputOptions, encoding_errors=st.sampled_from(["replace", "strict"]), skip_bad=st.booleans(),
                    max_chars=st.sampled_from([5, 2_000_000]))


# -- what every reader outcome must satisfy --------------------------------------------------------
def _check_documents(docs: list[Document], report: InputReport, opts: InputOptions) -> None:
    assert report.documents == len(docs)
    for doc in docs:
        assert isinstance(doc.id, str) and isinstance(doc.text, str)
        doc.text.encode("utf-8")  # no lone surrogates: the tokenizer and the output writer need UTF-8
        assert len(doc.text) <= opts.max_chars
        assert doc.entities == () and doc.relations == ()
    for message in report.skipped:
        assert isinstance(message, str) and message


def _read(sources: list[str], opts: InputOptions) -> tuple[list[Document], InputReport, TollError | None]:
    report = InputReport()
    docs: list[Document] = []
    try:
        for doc in read_inputs(sources, opts, report):
            docs.append(doc)
    except TollError as exc:  # anything else fails the test with its traceback
        return docs, report, exc
    return docs, report, None


@contextmanager
def _file(data: bytes, name: str):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / name
        path.write_bytes(data)
        yield path


@contextmanager
def _stdin(data: bytes):
    fake = io.TextIOWrapper(io.BytesIO(data), encoding="utf-8", errors="replace")
    with mock.patch.object(sys, "stdin", fake):
        yield


# -- toll-predict's input readers ----------------------------------------------------------------
@FUZZ
@given(data=random_bytes, opts=options)
def test_a_text_file_of_random_bytes_is_one_document_or_an_error_naming_the_file(data, opts):
    with _file(data, "article.txt") as path:
        docs, report, error = _read([str(path)], opts)
    if error is not None:
        assert str(path) in str(error)
        return
    _check_documents(docs, report, opts)
    if docs:
        expected = data.decode("utf-8-sig", errors="replace")
        assert docs[0].id == "article" and docs[0].text == expected
    else:  # skipped (binary, or over --max-chars), and said why
        assert len(report.skipped) == 1 and str(path) in report.skipped[0]


@FUZZ
@given(data=st.one_of(jsonl_files, random_bytes), opts=options)
def test_random_jsonl_gives_documents_or_an_error_naming_file_and_line(data, opts):
    with _file(data, "articles.jsonl") as path:
        docs, report, error = _read([str(path)], opts)
    if error is not None:
        assert re.search(re.escape(str(path)) + r": (line \d+|not valid UTF-8)", str(error)), str(error)
        assert not (opts.skip_bad and " line " in str(error) and "UTF-8" not in str(error))
        return
    _check_documents(docs, report, opts)
    lines = io.StringIO(data.decode("utf-8-sig", errors="replace"), newline="").readlines()  # as files split
    for doc in docs:
        record = json.loads(lines[doc.meta["line"] - 1])
        assert doc.text == SURROGATE.sub("\ufffd", record["text"]) and doc.id == str(record["id"])
    for message in report.skipped:
        assert message.startswith(str(path))


@FUZZ
@given(data=csv_files(), opts=options)
def test_random_csv_gives_documents_or_an_error_naming_the_file(data, opts):
    with _file(data, "articles.csv") as path:
        docs, report, error = _read([str(path)], opts)
    if error is not None:
        assert str(path) in str(error)
        return
    _check_documents(docs, report, opts)
    for doc in docs:
        assert isinstance(doc.meta["line"], int) and doc.meta["line"] >= 2


@FUZZ
@given(data=st.one_of(random_bytes, jsonl_files), opts=options)
def test_random_stdin_gives_documents_or_an_error_naming_stdin(data, opts):
    with _stdin(data):
        docs, report, error = _read(["-"], opts)
    if error is not None:
        assert "<stdin>" in str(error)
        return
    _check_documents(docs, report, opts)
    if report.skipped and not docs:
        assert all("<stdin>" in m or "stdin" in m for m in report.skipped)


def test_a_bad_jsonl_line_is_named_even_when_the_file_is_read_strictly(tmp_path):
    path = tmp_path / "a.jsonl"
    path.write_bytes(b'{"id": "a", "text": "ok"}\n{"id": "b", "text": "caf\xe9"}\n')
    docs, _, error = _read([str(path)], InputOptions(encoding_errors="strict"))
    assert [d.id for d in docs] == ["a"]
    assert error is not None and f"{path}: line 2" in str(error) and "UTF-8" in str(error)


def test_a_lone_surrogate_in_jsonl_text_is_refused_or_replaced_and_counted(tmp_path):
    path = tmp_path / "a.jsonl"
    path.write_text('{"id": "a", "text": "x\\ud800y"}\n', encoding="utf-8")
    docs, report, error = _read([str(path)], InputOptions())
    assert error is None and docs[0].text == "x\ufffdy" and report.replaced_characters == 1
    _, _, error = _read([str(path)], InputOptions(encoding_errors="strict"))
    assert error is not None and f"{path}: line 1" in str(error)


def test_deeply_nested_jsonl_is_a_bad_line_not_a_recursion_error(tmp_path):
    path = tmp_path / "a.jsonl"
    path.write_bytes(b"[" * 100_000 + b"\n")
    _, _, error = _read([str(path)], InputOptions())
    assert error is not None and f"{path}: line 1" in str(error)
    docs, report, error = _read([str(path)], InputOptions(skip_bad=True))
    assert error is None and docs == [] and len(report.skipped) == 1


def test_a_csv_row_the_csv_module_refuses_is_named_by_line(tmp_path):
    path = tmp_path / "a.csv"
    path.write_bytes(b'id,text\n1,fine\n2,"open quote\n')
    docs, _, error = _read([str(path)], InputOptions())
    assert [d.text for d in docs] == ["fine"]
    assert error is not None and re.search(re.escape(str(path)) + r": line \d+", str(error))


def test_binary_stdin_skipped_with_skip_bad_gives_no_empty_document():
    with _stdin(b"\x00\x01binary"):
        docs, report, error = _read(["-"], InputOptions(skip_bad=True))
    assert error is None and docs == [] and report.documents == 0 and len(report.skipped) == 1


# -- the Label Studio corpus reader ---------------------------------------------------------------
TEXTS = st.text(alphabet=st.sampled_from(list("Gunmen killed two. \n\té中ا") + ["\U0001F600"]), max_size=40)


@st.composite
def regions(draw, text: str):
    kind = draw(st.sampled_from(["labels", "labels", "relation", "choices", None]))
    region: dict = {}
    if draw(st.integers(0, 9)):
        region["type"] = kind
    if draw(st.integers(0, 9)):
        region["id"] = draw(st.sampled_from(["r1", "r2", "r3", ""]) | json_values)
    if kind == "labels":
        start = draw(st.integers(-3, len(text) + 3) | json_values)
        end = draw(st.integers(-3, len(text) + 3) | st.booleans() | json_values)
        value: dict = {"start": start, "end": end}
        if draw(st.integers(0, 4)):
            value["labels"] = draw(st.sampled_from([["KILLED"], ["ACTOR", "DATE"], [], [5], "KILLED"]) | json_values)
        text_choice = draw(st.integers(0, 3))
        if text_choice == 1 and isinstance(start, int) and isinstance(end, int):
            value["text"] = text[start:end]
        elif text_choice == 2:
            value["text"] = draw(st.text(max_size=5) | json_values)
        region["value"] = value if draw(st.integers(0, 9)) else draw(json_values)
    elif kind == "relation":
        for key in ("from_id", "to_id"):
            if draw(st.integers(0, 9)):
                region[key] = draw(st.sampled_from(["r1", "r2", "r3"]) | json_values)
        if draw(st.booleans()):
            region["labels"] = draw(st.sampled_from([["perpetrator"], [], ["a", "b"], "perpetrator", {"x": 1}, 5, [5]])
                                    | json_values)
        if draw(st.booleans()):
            region["direction"] = draw(st.sampled_from(["right", "left", "bi", None]) | json_values)
    if draw(st.integers(0, 3)) == 0:
        region["score"] = draw(st.sampled_from([0.5, 1, "0.7", "high", None, [1], True, float("nan")]) | json_values)
    return region if draw(st.integers(0, 19)) else draw(json_values)


@st.composite
def tasks(draw):
    text = draw(TEXTS | st.just("x\ud800y"))
    data = {"text": text} if draw(st.integers(0, 9)) else draw(json_values)
    if isinstance(data, dict) and draw(st.booleans()):
        data[draw(st.sampled_from(["article_id", "id", "source"]))] = draw(st.text(max_size=8) | json_values)
    task: dict = {"data": data}
    if draw(st.integers(0, 4)):
        task["id"] = draw(st.integers(1, 99) | json_values)

    def annotation():
        result = draw(st.lists(regions(text), max_size=5)) if draw(st.integers(0, 9)) else draw(json_values)
        ann: dict = {"result": result}
        for key in ("id", "was_cancelled", "updated_at", "created_at"):
            if draw(st.integers(0, 2)) == 0:
                ann[key] = draw(json_values)
        return ann if draw(st.integers(0, 19)) else draw(json_values)

    for key in ("annotations", "predictions"):
        if draw(st.integers(0, 4)):
            task[key] = [annotation() for _ in range(draw(st.integers(0, 3)))] if draw(st.integers(0, 9)) \
                else draw(json_values)
    if draw(st.integers(0, 3)) == 0:
        task["meta"] = draw(json_values)
    return task if draw(st.integers(0, 29)) else draw(json_values)


def _source_regions(task: dict, use_predictions: bool) -> list[dict]:
    """Every span region of every annotation or prediction of a task (the reader picks one)."""
    found = []
    for ann in task.get("predictions" if use_predictions else "annotations") or []:
        if isinstance(ann, dict) and isinstance(ann.get("result"), list):
            found += [r for r in ann["result"] if isinstance(r, dict) and r.get("type") == "labels"]
    return found


def _check_task_document(doc: Document, task: dict, use_predictions: bool) -> None:
    text = doc.text
    assert isinstance(text, str) and text == task["data"]["text"]
    text.encode("utf-8")
    sources = _source_regions(task, use_predictions)
    ids = set()
    for e in doc.entities:
        assert type(e.start) is int and type(e.end) is int and 0 <= e.start < e.end <= len(text)
        assert isinstance(e.label, str) and isinstance(e.id, str)
        assert e.score is None or isinstance(e.score, float)
        # the region it came from: same id and offsets, and a span text (if any) equal to text[start:end]
        assert any(r.get("id") == e.id and isinstance(r.get("value"), dict)
                   and (r["value"].get("start"), r["value"].get("end")) == (e.start, e.end)
                   and r["value"].get("text", text[e.start:e.end]) == text[e.start:e.end] for r in sources)
        ids.add(e.id)
    for r in doc.relations:
        assert isinstance(r.head, str) and isinstance(r.tail, str) and isinstance(r.label, str)
        assert r.score is None or isinstance(r.score, float)
    # what was read writes back out
    dumps_tasks([document_to_task(doc)]).encode("utf-8")


@FUZZ
@given(items=st.lists(tasks(), max_size=4) | tasks(), use_predictions=st.booleans(), collect=st.booleans())
def test_random_label_studio_exports_give_documents_or_errors_naming_file_and_task(items, use_predictions, collect):
    with _file(json.dumps(items).encode("utf-8", "surrogatepass"), "export.json") as path:
        problems: list[Problem] | None = [] if collect else None
        try:
            docs = read_documents(path, problems, use_predictions=use_predictions)
        except CorpusError as exc:
            message = str(exc)
            assert message.startswith(str(path)), message
            if isinstance(items, (list, dict)):  # the task (by id, or by position when it is no object)
                assert re.match(re.escape(f"{path}: ") + r"(task |item \d+ of \d+ )", message), message
            return
    task_list = [items] if isinstance(items, dict) else items
    assert len(docs) == len(task_list)
    for doc, task in zip(docs, task_list):
        _check_task_document(doc, task, use_predictions)
    for problem in problems or []:
        assert isinstance(problem, Problem) and problem.where.startswith(f"{path}: task ")


@FUZZ
@given(task=tasks() | json_values, use_predictions=st.booleans())
def test_one_random_task_is_a_document_or_a_corpus_error_naming_the_task(task, use_predictions):
    problems: list[Problem] = []
    try:
        doc = task_to_document(task, "fuzz.json", problems, use_predictions=use_predictions)
    except CorpusError as exc:
        assert str(exc).startswith("fuzz.json: ")
        return
    _check_task_document(doc, task, use_predictions)
    assert all(p.where.startswith("fuzz.json: task ") and p.message for p in problems)


@FUZZ
@given(data=random_bytes)
def test_a_random_byte_file_as_an_export_is_a_corpus_error_naming_it(data):
    with _file(data, "export.json") as path:
        try:
            docs = read_documents(path, [])
        except CorpusError as exc:
            assert str(exc).startswith(str(path))
            return
    assert all(isinstance(d, Document) for d in docs)


def test_a_deeply_nested_export_is_a_corpus_error(tmp_path):
    path = tmp_path / "deep.json"
    path.write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")
    with pytest.raises(CorpusError, match=re.escape(str(path))):
        read_documents(path)


@pytest.mark.parametrize("labels", [{"x": 1}, 5, [5], "perpetrator"])
def test_a_relation_whose_labels_are_not_a_list_of_one_string_is_a_problem(labels):
    task = {"id": 3, "data": {"text": "Gunmen killed two."},
            "annotations": [{"result": [{"type": "relation", "from_id": "a", "to_id": "b", "labels": labels}]}]}
    problems: list[Problem] = []
    doc = task_to_document(task, "x.json", problems)
    assert doc.relations == () and len(problems) == 1 and problems[0].where.startswith("x.json: task 3")


@pytest.mark.parametrize("score", ["high", "0.7", [1], {"p": 1}, True, math.nan])
def test_a_region_with_a_score_that_is_not_a_number_is_a_problem(score):
    task = {"id": 4, "data": {"text": "Gunmen killed two."}, "annotations": [{"result": [
        {"id": "a", "type": "labels", "value": {"start": 0, "end": 6, "labels": ["ACTOR"]}, "score": score}]}]}
    problems: list[Problem] = []
    doc = task_to_document(task, "x.json", problems)
    assert doc.entities == () and "score" in problems[0].message


@pytest.mark.parametrize("score, read", [(0.25, 0.25), (1, 1.0), (None, None)])
def test_a_numeric_score_or_none_is_read(score, read):
    task = {"id": 4, "data": {"text": "Gunmen killed two."}, "annotations": [{"result": [
        {"id": "a", "type": "labels", "value": {"start": 0, "end": 6, "labels": ["ACTOR"]}, "score": score}]}]}
    assert task_to_document(task, "x.json").entities[0].score == read


@pytest.mark.parametrize("annotations", [
    {"a": 1}, "abc", [1, None], [{"id": 1, "result": []}, {"id": "z", "result": []}]])
def test_annotations_that_are_not_a_list_of_objects_are_a_corpus_error_or_read(annotations):
    task = {"id": 5, "data": {"text": "Gunmen killed two."}, "annotations": annotations}
    try:
        doc = task_to_document(task, "x.json", [])
    except CorpusError as exc:
        assert str(exc).startswith("x.json: task 5")
    else:
        assert doc.entities == ()


def test_a_lone_surrogate_in_data_text_is_a_corpus_error_naming_the_task():
    task = {"id": 6, "data": {"text": "x\ud800y"}}
    with pytest.raises(CorpusError, match=r"^x\.json: task 6.*surrogate"):
        task_to_document(task, "x.json", [])
