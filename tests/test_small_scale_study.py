"""tools/study/small_scale_study.py end to end at toy size (data, pre-training, probes,
fine-tuning, report, then a second run that skips everything finished), and the
report's statistics."""
import json
import os.path as osp

from conftest import run_tool

from study.study_report import (finetune_curve_table, finetune_table, fmt, plot_finetune,
                                verdict)


ARM = 'splitmask_no_layer_scale_learned_pos'  # also exercises keeping learned positions


def test_study_runs_every_step_and_skips_finished_ones(tmp_path):
    args = ['tools/study/small_scale_study.py', '--data', str(tmp_path / 'data'), '--work-dir',
            str(tmp_path / 'study'), '--arms', ARM, '--seeds', '0',
            '--num-pool', '4', '--num-labelled', '4', '--pretrain-iters', '2',
            '--seg-iters', '2',
            '--finetune', 'random:0.9', f'{ARM}:0.9:3e-4:learned_pos',
            'random:0.9:frozen:labels2:iters3',
            '--report', str(tmp_path / 'report.md'), '--report-tag', 'toy']
    run_tool(*args, timeout=900)
    results = tmp_path / 'study' / 'results'
    for arm in ('random', ARM):
        probe = json.loads((results / 'probe' / f'{arm}_seed0.json').read_text())
        assert 0 <= probe['dense_probe_miou'] <= 100 and probe['arm'] == arm
    plain = json.loads((results / 'finetune' / 'random_ld0.9_seed0.json').read_text())
    assert plain['iters'] == 2 and [step for step, _ in plain['curve']] == [2]
    tuned = json.loads((results / 'finetune' / f'{ARM}_ld0.9_lr0.0003_learned_pos_seed0.json')
                       .read_text())
    assert tuned['lr'] == 3e-4 and tuned['learned_pos'] and not tuned['frozen']
    frozen = json.loads((results / 'finetune' / 'random_ld0.9_frozen_labels2_iters3_seed0.json')
                        .read_text())
    assert frozen['frozen'] and frozen['labels'] == 2 and frozen['iters'] == 3
    summary = json.loads((results / 'pretrain' / f'{ARM}_seed0.json').read_text())
    assert summary['complete'] and any('probe/dense_miou' in r for r in summary['curve'])
    report = (tmp_path / 'report.md').read_text()
    for row in ('| random init | no pre-training |', f'| `{ARM}` | suspect 4:',
                f'| {ARM} | fine-tuned, learned positions kept | 0.9 | 0.0003 |',
                '<!-- study:toy:end -->'):
        assert row in report, row
    assert osp.isfile(tmp_path / 'report_toy_curves.png')

    _, again = run_tool(*args, timeout=300)
    assert '$ tools/train.py' not in again and '$ tools/analysis_tools/probe.py' not in again


def test_report_calls_a_difference_only_beyond_two_pooled_std():
    assert fmt([1.0, 2.0, 3.0]) == '2.0 ± 1.0 (n=3)' and fmt([2.0]) == '2.0 (n=1)'
    assert verdict([10.0, 10.2, 9.8], [5.0, 5.2, 4.8]).startswith('better (+5.0')
    assert verdict([5.1, 5.3, 4.9], [5.0, 5.2, 4.8]).startswith('same')
    assert verdict([1.0, 1.2, 0.8], [5.0, 5.2, 4.8]).startswith('worse')
    assert verdict([1.0], [5.0, 5.2]) == 'not enough seeds'
    assert verdict([1.0, 1.2], [5.0, 5.2, 4.8]) == 'not enough seeds'  # 3 seeds a side


def test_finetune_rows_compare_with_random_init_of_the_same_recipe():
    def runs(arm, lr, values, frozen=False, learned_pos=False, iters=400):
        return [dict(arm=arm, layer_decay=0.9, lr=lr, frozen=frozen, learned_pos=learned_pos,
                     iters=iters, miou=v) for v in values]
    rows = finetune_table({'a': runs('random', 1e-3, [32.0, 32.1, 31.9]),
                           'b': runs('splitmask', 1e-3, [30.0, 30.2, 29.8]),
                           'c': runs('random', 3e-4, [28.0, 28.1, 27.9]),
                           'd': runs('splitmask', 3e-4, [33.0, 33.2, 32.8]),
                           'e': runs('random', 1e-3, [20.0, 20.1, 19.9], frozen=True),
                           'f': runs('splitmask', 1e-3, [25.0, 25.2, 24.8], frozen=True),
                           'g': runs('splitmask', 1e-3, [33.0, 33.2, 32.8], learned_pos=True),
                           'h': runs('random', 1e-3, [36.0, 36.1, 35.9], iters=1000),
                           'i': runs('splitmask', 1e-3, [35.0, 35.2, 34.8], iters=1000)})
    for row, start, diff in (
            (5, '| splitmask | fine-tuned | 0.9 | 0.001 | 400 |', 'worse (-2.0'),
            (6, '| splitmask | fine-tuned, learned positions kept | 0.9 | 0.001 | 400 |',
             'better (+1.0'),
            (8, '| splitmask | fine-tuned | 0.9 | 0.0003 | 400 |', 'better (+5.0'),
            (10, '| splitmask | frozen | 0.9 | 0.001 | 400 |', 'better (+5.0'),
            (12, '| splitmask | fine-tuned | 0.9 | 0.001 | 1000 |', 'worse (-1.0')):
        assert rows[row].startswith(start) and diff in rows[row], rows[row]


def test_finetune_curves_are_tabled_and_drawn(tmp_path):
    def run(arm, seed, curve):
        return dict(arm=arm, layer_decay=0.9, lr=1e-3, iters=400, seed=seed, miou=curve[-1][1],
                    curve=curve)
    finetune = {'random': [run('random', 0, [[200, 20.0], [400, 30.0]]),
                           run('random', 1, [[200, 22.0], [400, 32.0]])],
                'mae': [run('mae', 0, [[200, 25.0], [400, 35.0]])],
                'once': [run('splitmask', 0, [[400, 30.0]])]}  # one validation: no row
    lines, curves = finetune_curve_table(finetune)
    assert lines[2] == '| init | encoder | lr | 200 | 400 |'
    assert ('| random | fine-tuned, 400 iterations | 0.001 | 21.0 ± 1.4 (n=2) | '
            '31.0 ± 1.4 (n=2) |') in lines
    assert '| mae | fine-tuned, 400 iterations | 0.001 | 25.0 (n=1) | 35.0 (n=1) |' in lines
    assert len(lines) == 6 and len(curves) == 2
    plot_finetune(curves, str(tmp_path / 'finetune.png'))
    assert (tmp_path / 'finetune.png').stat().st_size > 1000
