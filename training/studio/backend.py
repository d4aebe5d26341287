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

The model is loaded once; predictions are serialized by a lock (one model, two CPU cores). The
server binds 127.0.0.1 unless told otherwise. :class:`TollBackend` is the protocol without HTTP:

>>> class Echo:  # stands in for models.pipeline.Pipeline: predicts nothing
...     def predict_documents(self, docs):
...         from models.pipeline import Prediction
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

from models.document import Document
from models.studio_format import FROM_NAME, TO_NAME
from training.studio.predictions import studio_prediction

MAX_BODY_BYTES = 64 * 1024 * 1024
ANNOTATION_EVENTS = {"ANNOTATION_CREATED", "ANNOTATION_UPDATED", "ANNOTATION_DELETED", "START_TRAINING"}


class BadRequest(Exception):
    """A request the backend cannot serve; answered with HTTP 400 and this message."""


def task_document(task: object) -> Document:
    """The document a Label Studio task holds: ``data.text``, id from ``data.article_id`` or the task id."""
    if not isinstance(task, dict) or not isinstance(task.get("data"), dict):
        raise BadRequest("each task must be an object with a 'data' object")
    data = task["data"]
    if not isinstance(data.get("text"), str):
        raise BadRequest(f"task {task.get('id', '?')} has no data.text (the labeling config reads $text)")
    article_id = data.get("article_id")
    return Document(article_id if isinstance(article_id, str) else f"task-{task.get('id')}", data["text"])


class TollBackend:
    """The ML backend protocol over a loaded :class:`~models.pipeline.Pipeline`."""

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

    def _send(self, status: int, payload: dict) -> None:
        body = json.dumps(payload, ensure_ascii=False).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _read_json(self) -> dict:
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY_BYTES:
            raise BadRequest(f"request body of {length} bytes is over {MAX_BODY_BYTES}")
        raw = self.rfile.read(length) if length else b""
        try:
            body = json.loads(raw or b"{}")
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise BadRequest(f"request body is not JSON ({exc})") from None
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
            status, payload = 400, {"error": str(exc)}
        except Exception as exc:  # a server answers; it does not die on one bad request
            status, payload = 500, {"error": f"internal error: {type(exc).__name__}: {exc}"}
        self._send(status, payload)
        self.log_message('"POST %s" %d %.2f s', path, status, time.perf_counter() - started)

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        if self.command != "POST":  # POSTs are logged with their timing above
            super().log_request(code, size)

    def log_message(self, format: str, *args) -> None:  # noqa: A002 (http.server's signature)
        sys.stderr.write(f"toll-studio serve: {format % args}\n")


def make_server(backend: TollBackend, host: str = "127.0.0.1", port: int = 9090) -> ThreadingHTTPServer:
    """An HTTP server for ``backend`` (port 0 picks a free port: see ``server.server_address``)."""
    server = ThreadingHTTPServer((host, port), _Handler)
    server.daemon_threads = True
    server.backend = backend  # type: ignore[attr-defined]
    return server
