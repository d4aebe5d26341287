"""The Label Studio ML backend: the HTTP protocol Label Studio calls for pre-annotations.

Routes (JSON in, JSON out), as in Label Studio's reference backend:

=======================  =====================================================================
``GET /health``, ``/``   ``{"status": "UP", "model_class": "TollBackend", "model_version": ...}``
``POST /setup``          ``{"project": "ID.TIMESTAMP", "schema": XML}`` -> ``{"model_version": ...}``
``POST /predict``        ``{"tasks": [TASK, ...], ...}`` -> ``{"results": [PREDICTION, ...]}``,
                         one prediction per task, in the same shape ``toll-studio push`` sends
``POST /webhook``        annotation events -> 201 (training stays offline: pull, then toll-train);
                         other events -> 200 ``{"status": "Unknown event"}``
=======================  =====================================================================

The model is loaded once. Each connection gets a thread, so ``/health`` answers and a stalled
client blocks no one while a prediction runs; predictions themselves are serialized by a lock (the
pipeline is not known to be thread-safe, and one prediction already uses every core). A body over
``max_body_bytes`` (``--max-body-mb``) is refused with 413 before it is read, one that is not JSON
with 400. The server binds 127.0.0.1 unless told otherwise. :class:`TollBackend` is the protocol
without HTTP:

>>> class Echo:  # stands in for toll.models.inference.pipeline.Pipeline: predicts nothing
...     def predict_documents(self, docs):
...         from toll.models.inference.records import Prediction
...         return [Prediction(d, [], []) for d in docs]
>>> backend = TollBackend(Echo(), "toll-3f2a9c1b04e7")
>>> backend.predict({"tasks": [{"id": 7, "data": {"text": "Talks resumed."}}]})
{'results': [{'model_version': 'toll-3f2a9c1b04e7', 'score': None, 'result': []}], 'model_version': 'toll-3f2a9c1b04e7'}
>>> backend.webhook({"action": "PROJECT_UPDATED"})
(200, {'status': 'Unknown event'})
"""

from __future__ import annotations

import json
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from toll.models.text.document import Document
from toll.models.text.studio_config import FROM_NAME, TO_NAME
from toll.training.corpus.studio.predictions import studio_prediction

MAX_BODY_MB = 10  # a 2,000,000-character article is 2-12 MB as JSON; Label Studio sends one task at a time
IDLE_TIMEOUT_S = 60  # a connection that sends nothing for this long is closed (its thread ends)
DRAIN_MAX_BYTES = 256 * 2**20  # of a refused body, read and dropped so the client sees the 413, not a reset
ANNOTATION_EVENTS = {"ANNOTATION_CREATED", "ANNOTATION_UPDATED", "ANNOTATION_DELETED", "START_TRAINING"}


class BadRequest(Exception):
    """A request the backend cannot serve; answered with HTTP ``status`` (400 unless said) and this message."""

    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.status = status


def task_document(task: object) -> Document:
    """The document a Label Studio task holds: ``data.text``, id from ``data.article_id`` or the task id."""
    if not isinstance(task, dict) or not isinstance(task.get("data"), dict):
        raise BadRequest("each task must be an object with a 'data' object")
    data = task["data"]
    if not isinstance(data.get("text"), str):
        raise BadRequest(f"task {task.get('id', '?')} has no data.text (the labeling config reads $text)")
    try:
        data["text"].encode("utf-8")
    except UnicodeEncodeError as exc:  # a lone surrogate escape ("\ud800"): no tokenizer takes it
        raise BadRequest(f"task {task.get('id', '?')}: data.text is not valid Unicode "
                         f"at character {exc.start}") from None
    article_id = data.get("article_id")
    return Document(article_id if isinstance(article_id, str) else f"task-{task.get('id')}", data["text"])


class TollBackend:
    """The ML backend protocol over a loaded :class:`~toll.models.inference.pipeline.Pipeline`."""

    model_class = "TollBackend"

    def __init__(self, pipeline, version: str):
        self.pipeline = pipeline
        self.version = version
        self._lock = threading.Lock()

    def health(self) -> dict:
        return {"status": "UP", "model_class": self.model_class, "model_version": self.version}

    def setup(self, body: dict) -> dict:
        schema = body.get("schema")
        if isinstance(schema, str) and schema and not (f'name="{FROM_NAME}"' in schema and f'name="{TO_NAME}"' in schema):
            print(f"warning: project {body.get('project')} has no <Labels name=\"{FROM_NAME}\"> on "
                  f"<Text name=\"{TO_NAME}\">; use `toll-studio config` for its labeling config, or "
                  "Label Studio will not show these predictions", file=sys.stderr)
        return {"model_version": self.version}

    def predict(self, body: dict) -> dict:
        tasks = body.get("tasks")
        if not isinstance(tasks, list):
            raise BadRequest("expected a body {'tasks': [...]}")
        docs = [task_document(t) for t in tasks]
        with self._lock:
            predicted = [p.document for p in self.pipeline.predict_documents(docs)]
        return {"results": [studio_prediction(d, self.version) for d in predicted],
                "model_version": self.version}

    def webhook(self, body: dict) -> tuple[int, dict]:
        if body.get("action") in ANNOTATION_EVENTS:
            return 201, {"status": "ok", "training": "offline: `toll-studio pull`, then `toll-train`"}
        return 200, {"status": "Unknown event"}


class _Handler(BaseHTTPRequestHandler):
    server_version = "toll-studio"
    protocol_version = "HTTP/1.1"

    @property
    def backend(self) -> TollBackend:
        return self.server.backend  # type: ignore[attr-defined]

    timeout = IDLE_TIMEOUT_S
    _unread = 0  # bytes of a refused body still on the wire

    def _send(self, status: int, payload: dict) -> None:
        try:
            body = json.dumps(payload, ensure_ascii=False).encode()
        except UnicodeEncodeError:  # a lone surrogate from the request, echoed in a message
            body = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body)

    def _refusal(self, message: str, status: int, unread: int = 0) -> BadRequest:
        """A refusal that leaves the body unread: the connection closes after the answer."""
        self.close_connection = True
        self._unread = unread
        return BadRequest(message, status)

    def _declared_length(self) -> int:
        """The body's Content-Length, checked against the server's limit."""
        if "Transfer-Encoding" in self.headers:
            raise self._refusal("send the body with a Content-Length, not a Transfer-Encoding", 411)
        declared = (self.headers.get("Content-Length") or "0").strip()
        if not declared.isdigit():
            raise self._refusal(f"Content-Length {declared!r} is not a byte count", 400)
        length, limit = int(declared), self.server.max_body_bytes  # type: ignore[attr-defined]
        if length > limit:
            raise self._refusal(f"request body of {length:,} bytes is over the limit of {limit:,} bytes "
                                f"({limit / 2**20:g} MB; toll-studio serve --max-body-mb raises it)", 413, length)
        return length

    def handle_expect_100(self) -> bool:
        """``Expect: 100-continue`` (curl, for large bodies): refuse before the body is sent."""
        try:
            self._declared_length()
        except BadRequest as exc:
            self._unread = 0  # the client waits for our answer instead of sending it
            self._send(exc.status, {"error": str(exc)})
            self.log_message('"%s %s" %d (before the body)', self.command, self.path, exc.status)
            return False
        return super().handle_expect_100()

    def _drain(self) -> None:
        """Read and drop (64 KB at a time) a refused body the client is sending anyway, so that
        closing the connection does not reset it before the client reads the answer."""
        left, self._unread = min(self._unread, DRAIN_MAX_BYTES), 0
        while left > 0:
            try:
                chunk = self.rfile.read(min(left, 65536))
            except OSError:  # the client gave up, or the idle timeout passed
                return
            if not chunk:
                return
            left -= len(chunk)

    def _read_json(self) -> dict:
        length = self._declared_length()
        raw = self.rfile.read(length) if length else b""
        try:
            body = json.loads(raw or b"{}")
        except (ValueError, RecursionError) as exc:  # JSONDecodeError, UnicodeDecodeError, nesting too deep
            reason = "nested too deeply" if isinstance(exc, RecursionError) else exc
            raise BadRequest(f"request body is not JSON ({reason})") from None
        if not isinstance(body, dict):
            raise BadRequest("request body must be a JSON object")
        return body

    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        path = self.path.split("?", 1)[0]
        if path in ("/", "/health"):
            self._send(200, self.backend.health())
        else:
            self._send(404, {"error": f"no route GET {path}"})

    def do_POST(self) -> None:  # noqa: N802
        path = self.path.split("?", 1)[0]
        started = time.perf_counter()
        try:
            body = self._read_json()
            if path == "/setup":
                status, payload = 200, self.backend.setup(body)
            elif path == "/predict":
                status, payload = 200, self.backend.predict(body)
            elif path == "/webhook":
                status, payload = self.backend.webhook(body)
            else:
                status, payload = 404, {"error": f"no route POST {path}"}
        except BadRequest as exc:
            status, payload = exc.status, {"error": str(exc)}
        except Exception as exc:  # a server answers; it does not die on one bad request
            status, payload = 500, {"error": f"internal error: {type(exc).__name__}: {exc}"}
        self._send(status, payload)
        self._drain()
        self.log_message('"POST %s" %d %.2f s', path, status, time.perf_counter() - started)

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        if self.command != "POST":  # POSTs are logged with their timing above
            super().log_request(code, size)

    def log_message(self, format: str, *args) -> None:  # noqa: A002 (http.server's signature)
        sys.stderr.write(f"toll-studio serve: {format % args}\n")


class _Server(ThreadingHTTPServer):
    daemon_threads = True  # daemon threads are not kept in a list for server_close() to join
    request_queue_size = 64  # the listen backlog: a burst of connections is queued, not dropped


def make_server(backend: TollBackend, host: str = "127.0.0.1", port: int = 9090,
                max_body_mb: float = MAX_BODY_MB) -> ThreadingHTTPServer:
    """An HTTP server for ``backend`` (port 0 picks a free port: see ``server.server_address``)."""
    server = _Server((host, port), _Handler)
    server.backend = backend  # type: ignore[attr-defined]
    server.max_body_bytes = int(max_body_mb * 2**20)  # type: ignore[attr-defined]
    return server
