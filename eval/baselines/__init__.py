"""Baselines scored with the trained model's metrics (:func:`toll.eval.evaluate.evaluate`).

- ``rules`` (:class:`toll.eval.baselines.rules.RuleBaseline`): regular expressions for every label,
  nearest-mention relations.
- ``spacy`` (:class:`toll.eval.baselines.spacy_ner.SpacyBaseline`): spaCy's small English pipeline,
  entity types mapped onto the schema; no casualty labels, no relations.
- ``spacy+rules``: spaCy's mapped entities plus the rule baseline's casualty spans and relations.

``python -m toll.eval.baselines.run --split test --out runs/baselines`` (``make bench-baselines``) scores all
three with :func:`toll.eval.evaluate.evaluate` beside the trained model's committed report; the spaCy type
mapping is ``configs/mappings/spacy.yaml``.
"""
