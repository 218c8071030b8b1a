"""The data-pipeline benchmark runs the config's real pipeline and reports img/s."""
import json

from conftest import run_tool


def test_data_benchmark_prints_per_worker_json():
    _, out = run_tool('tools/benchmarks/benchmark_data.py', '--num-files', '3',
                      '--size', '160', '120', '--images', '4', '--workers', '1')
    result = json.loads([line for line in out.splitlines() if line.startswith('{')][-1])
    assert result['img_per_s_per_worker'] > 0
    assert [r['workers'] for r in result['results']] == [1]
    assert all(r['total_img_per_s'] > 0 for r in result['results'])
    # the pre-training pipeline of the default (SplitMask ViT-B COCO) config, in order
    assert list(result['ms_per_image_by_transform']) == [
        'LoadImageOrSkip', 'RandomFlip', 'RandomResizedCropAndInterpolationWithTwoPic',
        'ComplementaryMaskGenerator', 'PackInputs']
