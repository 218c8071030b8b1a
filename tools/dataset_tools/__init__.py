"""Data tools: generated scenes for the demo, tests and study (make_demo_data.py) and
fitting a patch tokenizer's codebook to your images (fit_tokenizer.py)."""
