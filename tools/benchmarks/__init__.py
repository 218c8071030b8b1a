"""Speed and memory, measured side by side in one run: pre-training step
(benchmark_pretrain.py), Mask R-CNN step (benchmark_detection.py), data pipeline
(benchmark_data.py), what they share (benchmark_utils.py: alternating rounds in
measurement processes of their own, medians, peak memory, spec peaks), mmcv's compiled
ops (mmcv_ops_check.py), and the whole check for a GPU node (gpu_check.py)."""
