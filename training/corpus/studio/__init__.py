"""The Label Studio loop: ``toll-studio`` sets up a project, pushes articles with the model's
pre-annotations, pulls corrected annotations back into the corpus, and serves the model as a
Label Studio ML backend.

One module per concern:

- :mod:`toll.training.corpus.studio.connection`  URL and token (flags or environment), the SDK client, clear errors
- :mod:`toll.training.corpus.studio.projects`    find or create the project that carries the schema's labeling config
- :mod:`toll.training.corpus.studio.export`      the full JSON export of a project (relations and prediction bodies)
- :mod:`toll.training.corpus.studio.predictions` model output -> Label Studio prediction (scores, content-hash model version)
- :mod:`toll.training.corpus.studio.push`        articles -> tasks with predictions (and corpus annotations), without duplicates
- :mod:`toll.training.corpus.studio.push_inputs` what a push sends: article files, standoff records, the corpus
- :mod:`toll.training.corpus.studio.lock`        one push at a time per project (a file lock)
- :mod:`toll.training.corpus.studio.pull`        exported annotations -> checked corpus files, with a change report
- :mod:`toll.training.corpus.studio.backend`     the ML backend HTTP server (``/health``, ``/setup``, ``/predict``)
- :mod:`toll.training.corpus.studio.cli`         ``toll-studio``
"""
