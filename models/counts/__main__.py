"""``python -m toll.models.counts``: the table of reading conventions, as in README.md and data/GUIDELINES.md."""

from toll.models.counts.conventions import markdown_table

print(markdown_table())
