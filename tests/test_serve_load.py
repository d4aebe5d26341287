"""``toll-studio serve`` under load: a bounded burst of concurrent /predict requests on 127.0.0.1 all
answer, correctly and without errors; the server's peak memory levels off from one burst to the
next; oversized bodies get 413 naming the limit, malformed JSON 400. The server is the real CLI in
a subprocess with the smoke model (its memory is read from /proc); the HTTP edge cases also run
in-process against a stand-in pipeline."""

from __future__ import annotations

import http.client
import json
import random
import re
import socket
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from types import SimpleNamespace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from toll.training.corpus.studio.backend import MAX_BODY_MB, BadRequest, TollBackend, make_server

REPO = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
CLIENTS, REQUESTS_PER_CLIENT = 20, 10  # 200 requests a burst
REQUEST_TIMEOUT_S = 120  # per request: a hung server fails the test instead of hanging it
SECOND_BURST_GROWTH_MB = 100  # generous: the same burst again should need no new memory at all
SENTENCES = [
    "Gunmen killed two guards in Kano, police said on Tuesday.",
    "At least 12 civilians were wounded when a car bomb exploded near the market in Mogadishu.",
    "Talks resumed in Geneva.",
    "Three soldiers died in an ambush claimed by the group, the army said.",
    "Airstrikes on Saada killed 7 people, including four children, officials told Reuters.",
    "",
    "Police said no one was hurt.",
    "قتل خمسة أشخاص في انفجار.",
]


# -- the real server, in a subprocess --------------------------------------------------------------
@pytest.fixture(scope="module")
def served(smoke_model, tmp_path_factory):
    """``toll-studio serve --model SMOKE --port 0``: yields (pid, port); stopped at the end."""
    log = (tmp_path_factory.mktemp("serve") / "stderr.log").open("w+")
    proc = subprocess.Popen([sys.executable, "-m", "toll.training.corpus.studio.cli", "serve", "--model", str(smoke_model),
                             "--host", HOST, "--port", "0"],
                            cwd=REPO, stdout=subprocess.PIPE, stderr=log, text=True)
    try:
        line = proc.stdout.readline()  # the CLI prints its address once the model is loaded
        match = re.search(r"http://127\.0\.0\.1:(\d+)", line)
        if not match:
            proc.wait(timeout=30)
            log.seek(0)
            pytest.fail(f"toll-studio serve did not start: {line!r}\n{log.read()[-3000:]}")
        yield proc.pid, int(match.group(1))
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


def _memory_mb(pid: int) -> dict[str, float]:
    """VmRSS (now) and VmHWM (peak since start or the last reset) of a process, in MB."""
    status = Path(f"/proc/{pid}/status")
    if not status.exists():
        pytest.skip("needs /proc (Linux) to read the server's memory")
    fields = dict(line.split(":", 1) for line in status.read_text().splitlines() if ":" in line)
    return {key: int(fields[key].split()[0]) / 1024 for key in ("VmRSS", "VmHWM")}


def _reset_peak(pid: int) -> bool:
    """Reset the process's peak RSS to its current RSS (Linux >= 4.0); False where not allowed."""
    try:
        Path(f"/proc/{pid}/clear_refs").write_text("5")
        return True
    except OSError:
        return False


def _post(conn: http.client.HTTPConnection, path: str, body: bytes,
          headers: dict[str, str] | None = None) -> tuple[int, dict, http.client.HTTPResponse]:
    conn.request("POST", path, body=body, headers={"Content-Type": "application/json", **(headers or {})})
    response = conn.getresponse()
    return response.status, json.loads(response.read() or b"{}"), response


def _tasks(*texts: str) -> bytes:
    return json.dumps({"tasks": [{"id": i + 1, "data": {"text": t}} for i, t in enumerate(texts)]}).encode()


def _check_prediction(tasks: list[dict], answer: dict) -> list[str]:
    """What is wrong with a /predict answer: one result per task, each span inside its own task's
    text and covering the text it names (a mixed-up answer from another request fails this)."""
    results = answer.get("results")
    if not isinstance(results, list) or len(results) != len(tasks):
        return [f"{len(tasks)} task(s) but results {str(results)[:200]}"]
    wrong = []
    for task, result in zip(tasks, results):
        text = task["data"]["text"]
        for region in result["result"]:
            if region["type"] == "labels":
                v = region["value"]
                if not (0 <= v["start"] < v["end"] <= len(text) and text[v["start"]:v["end"]] == v["text"]):
                    wrong.append(f"span {v} does not match task {task['id']}")
    return wrong


def _client(port: int, seed: int) -> tuple[int, list[str]]:
    """One client: REQUESTS_PER_CLIENT requests of 1-3 tasks over one keep-alive connection."""
    rng = random.Random(seed)
    conn = http.client.HTTPConnection(HOST, port, timeout=REQUEST_TIMEOUT_S)
    ok, errors = 0, []
    try:
        for i in range(REQUESTS_PER_CLIENT):
            tasks = [{"id": seed * 1000 + i * 10 + k, "data": {"text": rng.choice(SENTENCES)}}
                     for k in range(rng.randint(1, 3))]
            try:
                status, answer, _ = _post(conn, "/predict", json.dumps({"tasks": tasks}).encode())
            except (OSError, http.client.HTTPException, ValueError) as exc:
                errors.append(f"client {seed} request {i}: {type(exc).__name__}: {exc}")
                conn.close()
                conn = http.client.HTTPConnection(HOST, port, timeout=REQUEST_TIMEOUT_S)
                continue
            wrong = [f"HTTP {status}: {answer}"] if status != 200 else _check_prediction(tasks, answer)
            errors += [f"client {seed} request {i}: {w}" for w in wrong]
            ok += not wrong
    finally:
        conn.close()
    return ok, errors


def _burst(port: int, first_seed: int) -> dict:
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=CLIENTS) as pool:
        outcomes = list(pool.map(lambda s: _client(port, s), range(first_seed, first_seed + CLIENTS)))
    return {"requests": CLIENTS * REQUESTS_PER_CLIENT, "ok": sum(ok for ok, _ in outcomes),
            "errors": [e for _, errors in outcomes for e in errors], "wall_s": time.perf_counter() - started}


def test_two_bursts_of_concurrent_predictions_all_answer_and_memory_levels_off(served):
    pid, port = served
    warm = http.client.HTTPConnection(HOST, port, timeout=REQUEST_TIMEOUT_S)
    status, answer, _ = _post(warm, "/predict", _tasks(SENTENCES[0]))
    warm.close()
    assert status == 200 and len(answer["results"]) == 1
    loaded = _memory_mb(pid)

    measured = []
    for n in range(2):
        reset = _reset_peak(pid)
        burst = _burst(port, first_seed=100 * (n + 1))
        burst.update(peak_rss_mb=_memory_mb(pid)["VmHWM"], rss_after_mb=_memory_mb(pid)["VmRSS"], peak_reset=reset)
        measured.append(burst)
    print(f"\nserve load: loaded {loaded['VmRSS']:.0f} MB (peak {loaded['VmHWM']:.0f} MB); " + "; ".join(
        f"burst {n + 1}: {b['ok']}/{b['requests']} ok, {len(b['errors'])} errors, {b['wall_s']:.1f} s, "
        f"peak RSS {b['peak_rss_mb']:.0f} MB, RSS after {b['rss_after_mb']:.0f} MB" for n, b in enumerate(measured)))

    first, second = measured
    for burst in measured:
        assert burst["errors"] == [] and burst["ok"] == burst["requests"], burst["errors"][:5]
    assert second["peak_rss_mb"] - first["peak_rss_mb"] < SECOND_BURST_GROWTH_MB, measured
    assert second["rss_after_mb"] - first["rss_after_mb"] < SECOND_BURST_GROWTH_MB, measured


def test_an_oversized_body_gets_413_naming_the_limit_and_is_never_held_in_memory(served):
    pid, port = served
    limit = MAX_BODY_MB * 2**20
    oversized = 4 * limit  # a body the server would notice holding: 40 MB
    reset = _reset_peak(pid)
    before = _memory_mb(pid)["VmRSS"]
    conn = http.client.HTTPConnection(HOST, port, timeout=REQUEST_TIMEOUT_S)
    body = b'{"tasks": [{"data": {"text": "' + b"x" * (oversized - 40) + b'"}}]}'
    status, answer, response = _post(conn, "/predict", body)
    conn.close()
    assert status == 413 and response.getheader("Connection") == "close"
    assert f"over the limit of {limit:,} bytes" in answer["error"] and "--max-body-mb" in answer["error"]
    if reset:  # the peak since the reset shows whether the body was buffered
        assert _memory_mb(pid)["VmHWM"] - before < oversized / 2**20 / 2
    health = http.client.HTTPConnection(HOST, port, timeout=REQUEST_TIMEOUT_S)
    health.request("GET", "/health")
    assert health.getresponse().status == 200
    health.close()


def test_malformed_json_gets_400_and_the_connection_still_serves(served):
    _, port = served
    conn = http.client.HTTPConnection(HOST, port, timeout=REQUEST_TIMEOUT_S)
    status, answer, _ = _post(conn, "/predict", b'{"tasks": [{"data": {"text": "Two died."}}')
    assert status == 400 and "not JSON" in answer["error"]
    status, answer, _ = _post(conn, "/predict", _tasks("Two died."))
    assert status == 200 and len(answer["results"]) == 1
    conn.close()


# -- the HTTP edges, in-process with a stand-in pipeline --------------------------------------------
class _Echo:
    """Stands in for the pipeline: predicts nothing."""

    def predict_documents(self, docs):
        return [SimpleNamespace(document=d) for d in docs]


def _start(max_body_mb: float = MAX_BODY_MB):
    server = make_server(TollBackend(_Echo(), "toll-test"), HOST, 0, max_body_mb=max_body_mb)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


@pytest.fixture
def small_server():
    """A server with a 1 KB body limit (``max_body_mb``, the value of ``--max-body-mb``)."""
    server = _start(max_body_mb=1 / 1024)
    yield server.server_address[1]
    server.shutdown()
    server.server_close()


@pytest.fixture
def echo_server():
    server = _start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()


def _raw(port: int, request: bytes) -> tuple[int, dict]:
    """Send raw bytes; the answer (status, JSON body) to a refusal, which closes the connection."""
    with socket.create_connection((HOST, port), timeout=30) as sock:
        sock.sendall(request)
        received = b""
        while chunk := sock.recv(65536):
            received += chunk
    head, _, body = received.partition(b"\r\n\r\n")
    return int(head.split()[1]), json.loads(body or b"{}")


def test_max_body_mb_sets_the_limit_the_413_names(small_server):
    conn = http.client.HTTPConnection(HOST, small_server, timeout=30)
    status, answer, _ = _post(conn, "/predict", _tasks("x" * 2000))
    assert status == 413 and "over the limit of 1,024 bytes" in answer["error"]
    conn.close()
    conn = http.client.HTTPConnection(HOST, small_server, timeout=30)
    status, answer, _ = _post(conn, "/predict", _tasks("x" * 500))
    assert status == 200 and answer["results"][0]["result"] == []
    conn.close()


def test_expect_100_continue_is_refused_before_the_body_is_sent(small_server):
    status, answer = _raw(small_server, b"POST /predict HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                                        b"Content-Length: 5000000\r\nExpect: 100-continue\r\n\r\n")
    assert status == 413 and "1,024 bytes" in answer["error"]


@pytest.mark.parametrize("headers, status", [
    (b"Content-Length: abc\r\n", 400),
    (b"Content-Length: -5\r\n", 400),
    (b"Transfer-Encoding: chunked\r\n", 411),
])
def test_a_body_without_a_usable_length_is_refused(echo_server, headers, status):
    got, answer = _raw(echo_server, b"POST /predict HTTP/1.1\r\nHost: x\r\n" + headers + b"\r\n")
    assert got == status and answer["error"]


@pytest.mark.parametrize("body, message", [
    (b"[" * 500 + b"]" * 500, "must be a JSON object"),
    (b"[" * 100_000, "not JSON"),
    (b"\xff\xfe\x00garbage", "not JSON"),
    (b'{"tasks": [{"id": "\\ud800", "data": {"text": "a\\ud800b"}}]}', "not valid Unicode"),
    (b'{"tasks": {"data": {}}}', "expected a body"),
])
def test_bad_bodies_get_400_with_the_reason(echo_server, body, message):
    conn = http.client.HTTPConnection(HOST, echo_server, timeout=30)
    status, answer, _ = _post(conn, "/predict", body)
    conn.close()
    assert status == 400 and message in answer["error"], answer


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=10),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3), max_leaves=10)
task_like = st.fixed_dictionaries({}, optional={"id": json_values, "data": st.fixed_dictionaries(
    {}, optional={"text": st.text(max_size=30) | json_values, "article_id": json_values}) | json_values})


@settings(max_examples=150, deadline=None)
@given(body=st.dictionaries(st.sampled_from(["tasks", "project", "params"]),
                            st.lists(task_like, max_size=3) | json_values))
def test_random_predict_bodies_give_results_or_a_bad_request(body):
    backend = TollBackend(_Echo(), "toll-test")
    try:
        answer = backend.predict(body)
    except BadRequest as exc:
        assert exc.status == 400 and str(exc)
        return
    assert len(answer["results"]) == len(body["tasks"])
    json.dumps(answer, ensure_ascii=False).encode()
