"""The small-scale study of whether SplitMask pre-training beats random init
(small_scale_study.py) and the report it writes (study_report.py)."""
