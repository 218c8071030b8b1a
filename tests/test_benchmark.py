"""The pre-training benchmark runs and reports what docs/performance.md quotes."""
import json

from conftest import run_tool


def test_benchmark_prints_side_by_side_json():
    _, out = run_tool('tools/benchmarks/benchmark_pretrain.py', '--arch', 'tiny',
                      '--batch-size', '2', '--iters', '1', '--warmup', '0', '--rounds', '1')
    result = json.loads(out.strip().splitlines()[-1])
    for key in ('splitmask_img_per_s', 'beit_img_per_s', 'splitmask_mfu', 'beit_mfu',
                'peak_gflops', 'splitmask_peak_mem_gib', 'beit_peak_mem_gib'):
        assert result[key] > 0, key
    assert 1.2 < result['flop_ratio'] < 1.5  # SplitMask ~1.35x BEiT's arithmetic per image
