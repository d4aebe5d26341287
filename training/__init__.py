"""The fine-tuning pipeline, corpus tools and readers for public corpora (builds on ``models``)."""
