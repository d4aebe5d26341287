"""toll's base layer: the schema, the document model, formats, alignment, counts, networks and inference.

Everything above this package (``training``, ``eval``) builds on it; nothing here imports them.
"""
