"""Speed and memory, measured side by side in one run: pre-training step
(benchmark_pretrain.py), Mask R-CNN step (benchmark_detection.py), data pipeline
(benchmark_data.py), what they share (benchmark_utils.py: alternating runs in isolated
processes, medians, peak memory), and the whole check for a GPU node (gpu_check.py)."""
