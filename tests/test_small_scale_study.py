"""tools/small_scale_study.py end to end at toy size: data, pre-training, probes,
fine-tuning and the report, then a second run that skips everything finished."""
import json
import os.path as osp

from conftest import run_tool


def test_study_runs_every_step_and_skips_finished_ones(tmp_path):
    args = ['tools/small_scale_study.py', '--data', str(tmp_path / 'data'), '--work-dir',
            str(tmp_path / 'study'), '--arms', 'splitmask', 'mae', '--seeds', '0', '1',
            '--num-pool', '6', '--num-labelled', '6', '--pretrain-iters', '2',
            '--seg-iters', '2', '--finetune', 'random:0.9', 'splitmask:0.9',
            '--report', str(tmp_path / 'report.md'), '--report-tag', 'toy']
    _, out = run_tool(*args, timeout=1200)
    results = tmp_path / 'study' / 'results'
    for arm in ('random', 'splitmask', 'mae'):
        for seed in (0, 1):
            probe = json.loads((results / 'probe' / f'{arm}_seed{seed}.json').read_text())
            assert 0 <= probe['dense_probe_miou'] <= 100 and probe['seed'] == seed
    summary = json.loads((results / 'pretrain' / 'splitmask_seed1.json').read_text())
    assert summary['complete'] and any('probe/dense_miou' in r for r in summary['curve'])
    assert osp.isfile(results / 'finetune' / 'splitmask_ld0.9_seed1.json')
    report = (tmp_path / 'report.md').read_text()
    for row in ('| random init | no pre-training |', '| `splitmask` | the study recipe |',
                '| `mae` |', '| splitmask | 0.9 |'):
        assert row in report, row
    assert osp.isfile(tmp_path / 'report_toy_curves.png')

    _, again = run_tool(*args, timeout=600)
    assert 'tools/train.py' not in again and 'tools/probe.py' not in again
