"""The detection benchmark trains one iteration of both Mask R-CNNs and reports the ratio."""
import json

from conftest import run_tool


def test_detection_benchmark_prints_ratio_json():
    _, out = run_tool('tools/benchmarks/benchmark_detection.py', '--size', '64',
                      '--batch-size', '1', '--rois', '8', '--iters', '1', '--warmup', '0',
                      '--rounds', '1')
    result = json.loads([line for line in out.splitlines() if line.startswith('{')][-1])
    for key in ('vit_s_s_per_iter', 'r50_s_per_iter', 'vit_s_backbone_fpn_s',
                'r50_backbone_fpn_s', 'time_ratio_vit_s_to_r50', 'vit_s_peak_mem_gib'):
        assert result[key] > 0, key
    assert result['roi_align'] == 'torchvision'  # the CPU default, for both models
