"""Tools that look at configs, data, runs and checkpoints: training curves
(analyze_logs.py), FLOPs (get_flops.py), what a pre-training pipeline feeds the model
(browse_dataset.py), what a checkpoint inpaints (visualize_splitmask.py), frozen-feature
probes (probe.py) and diagnostics of a pre-training that does not help
(diagnose_pretrain.py)."""
