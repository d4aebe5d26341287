"""The full JSON export of a project: every task with its annotations and prediction bodies.

Why this export and not another: the quick export (``/api/projects/ID/export``) lists predictions
by id only, and JSON_MIN and CoNLL drop relations. A snapshot export with
``serialization_options={"predictions": {"only_id": False}}`` keeps both; this module creates one,
waits for it, downloads it and deletes the snapshot again. Each task looks like::

    {"id": 12, "data": {"text": "...", "article_id": "031_saada_market_airstrike"},
     "annotations": [{"id": 5, "result": [<span and relation regions>], "was_cancelled": false, ...}],
     "predictions": [{"model_version": "toll-3f2a9c1b04e7", "score": 0.41, "result": [...]}]}
"""

from __future__ import annotations

import json
import time

from toll.training.corpus.studio.connection import StudioError
from toll.training.corpus.studio.projects import ProjectRef

EXPORT_TIMEOUT_S = 600.0


def export_tasks(client, project: ProjectRef, poll_s: float = 1.0) -> list[dict]:
    """All tasks of ``project`` (annotated or not) as Label Studio JSON."""
    snapshot = client.projects.exports.create(
        project.id, title="toll-studio export",
        serialization_options={"predictions": {"only_id": False}},
    )
    try:
        deadline = time.monotonic() + EXPORT_TIMEOUT_S
        while snapshot.status != "completed":  # the Community edition completes it at once
            if snapshot.status == "failed":
                raise StudioError(f"Label Studio failed to export {project}")
            if time.monotonic() > deadline:
                raise StudioError(f"the export of {project} did not finish in {EXPORT_TIMEOUT_S:.0f} s")
            time.sleep(poll_s)
            snapshot = client.projects.exports.get(project.id, export_pk=snapshot.id)
        raw = b"".join(client.projects.exports.download(project.id, export_pk=snapshot.id, export_type="JSON"))
    finally:
        client.projects.exports.delete(project.id, export_pk=snapshot.id)
    try:
        tasks = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise StudioError(f"the export of {project} is not valid JSON (line {exc.lineno}: {exc.msg})") from None
    if not isinstance(tasks, list):
        raise StudioError(f"the export of {project} is not a list of tasks")
    return tasks
