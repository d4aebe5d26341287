"""The Label Studio loop: ``toll-studio`` sets up a project, pushes articles with the model's
pre-annotations, pulls corrected annotations back into the corpus, and serves the model as a
Label Studio ML backend.

One module per concern:

- :mod:`training.studio.connection`  URL and token (flags or environment), the SDK client, clear errors
- :mod:`training.studio.projects`    find or create the project that carries the schema's labeling config
- :mod:`training.studio.export`      the full JSON export of a project (relations and prediction bodies)
- :mod:`training.studio.predictions` model output -> Label Studio prediction (scores, content-hash model version)
- :mod:`training.studio.push`        articles -> tasks with predictions (and corpus annotations), without duplicates
- :mod:`training.studio.lock`        one push at a time per project (a file lock)
- :mod:`training.studio.pull`        exported annotations -> checked corpus files, with a change report
- :mod:`training.studio.backend`     the ML backend HTTP server (``/health``, ``/setup``, ``/predict``)
- :mod:`training.studio.cli`         ``toll-studio``
"""
