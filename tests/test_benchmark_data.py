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


def test_workers_run_at_once_on_one_wall_clock():
    """Sleeping workers overlap perfectly: 4 of them must give ~4x one worker's rate on
    the wall clock (they start together at a barrier), not the rate of one after another."""
    _, out = run_tool('tools/benchmarks/benchmark_data.py', '--sleep-ms', '100',
                      '--images', '5', '--workers', '1', '4', '--num-files', '1',
                      '--size', '64', '48')
    result = json.loads(out.strip().splitlines()[-1])
    one, four = [r['total_img_per_s'] for r in result['results']]
    assert 8 < one <= 10  # 5 sleeps of 100 ms
    assert 3.3 * one < four <= 4 * one * 1.02


def test_total_rate_is_images_over_the_wall_clock():
    """Two workers of 10 images, 1 s each: at once 20 img/s; one after the other (the
    second starting when the first ended) 10 img/s, although each timed alone says 10."""
    from benchmarks.benchmark_data import rates
    at_once = [(0.0, 1.0, [], []), (0.0, 1.0, [], [])]
    one_after_the_other = [(0.0, 1.0, [], []), (1.0, 2.0, [], [])]
    assert rates(at_once, 10) == (20.0, 10.0)
    assert rates(one_after_the_other, 10) == (10.0, 10.0)
