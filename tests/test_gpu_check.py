"""tools/benchmarks/gpu_check.py: its small sizes on CPU end to end (every step a CPU can
run, the GPU-only ones skipped with the reason), the direction of every goal, the JSON
kept after each step (a killed run keeps what finished), and the launcher it uses on
the GPU (fresh interpreters, killed with their children when a step's budget is
spent), which the CPU run replaces by forks."""
import json
import os
import os.path as osp
import signal
import subprocess
import sys
import time

import pytest
from benchmarks import gpu_check
from conftest import ROOT, run_tool


def test_small_sizes_on_cpu_run_every_step_a_cpu_can(tmp_path):
    work, out = tmp_path / 'check', tmp_path / 'copy.json'
    _, log = run_tool('tools/benchmarks/gpu_check.py', '--sizes', 'small', '--device', 'cpu',
                      '--work-dir', str(work), '--out', str(out))
    result = json.loads(log.strip().splitlines()[-1])
    assert result == json.loads((work / 'gpu_check.json').read_text())
    assert result == json.loads(out.read_text())
    assert result['device'] == 'cpu' and result['sizes'] == 'small' and result['torch']
    assert result['goals_apply'] is False  # ViT-Tiny on a CPU decides no goal of the issue
    steps = {s.pop('name'): s for s in result['steps']}
    assert list(steps) == gpu_check.STEPS and result['failed_steps'] == []
    compiled = steps.pop('benchmark_compile')  # GPU only, and said so
    assert compiled['status'] == 'skipped' and 'CUDA only' in compiled['reason']
    assert steps['mmcv_ops']['cuda_calls'] == 'skipped: no CUDA device'
    assert steps['mmcv_ops']['cpu_calls']['ok']
    if gpu_check.roi_align_error('cpu'):  # an mmcv without compiled ops
        assert steps.pop('maskrcnn')['status'] == 'skipped'
    for name, step in steps.items():
        assert step['status'] == 'ok', (name, step)
        assert step['seconds'] > 0
        for path in step['logs']:  # every tool's log stays in the work dir
            assert osp.getsize(work / path) > 0, path

    bench = steps['benchmark_eager']
    for key in ('peak_gflops', 'splitmask_img_per_s', 'beit_img_per_s', 'splitmask_mfu',
                'beit_mfu', 'splitmask_peak_mem_gib', 'beit_peak_mem_gib'):
        assert bench[key] > 0, key
    assert bench['splitmask_mfu_spec'] is None  # no spec sheet for a CPU
    assert len(bench['time_per_img_ratio_rounds']) == bench['rounds'] == 3
    pre = steps['pretrain']
    assert pre['iters'] == 10 and pre['resumed_at'] == 7  # 6 iterations, then resumed
    assert pre['losses_finite'] and pre['losses_falling'] and pre['loss_first'] > 0
    for name in ('upernet', 'maskrcnn'):
        if name in steps:
            assert steps[name]['losses_finite'] and steps[name]['init'] == 'pre-training'
    data = steps['data_pipeline']
    assert data['pipeline_img_per_s'] > 0
    assert data['gpu_step_img_per_s'] == bench['splitmask_img_per_s']
    assert 0 < result['decoder_state_gib'] < 0.1  # ViT-Tiny's 2-block decoder
    assert len(result['goals']) == 4
    for goal in result['goals']:
        assert goal['ratio'] == round(goal['value'] / goal['target'], 3)
        assert isinstance(goal['met'], bool)


def test_a_killed_run_keeps_the_steps_that_finished(tmp_path):
    proc = subprocess.Popen(
        [sys.executable, 'tools/benchmarks/gpu_check.py', '--steps', 'mmcv_ops,pretrain',
         '--sizes', 'small', '--device', 'cpu', '--work-dir', str(tmp_path)],
        cwd=ROOT, env={**os.environ, 'PYTHONPATH': ROOT, 'OMP_NUM_THREADS': '1'},
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    path, deadline = tmp_path / 'gpu_check.json', time.time() + 120
    try:
        while not (path.exists() and json.loads(path.read_text()).get('steps')):
            assert proc.poll() is None and time.time() < deadline
            time.sleep(0.2)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)  # midway through pre-training
        proc.wait()
    result = json.loads(path.read_text())
    assert [s['name'] for s in result['steps']] == ['mmcv_ops']
    assert result['steps'][0]['status'] == 'ok'
    assert (tmp_path / 'logs' / 'mmcv_ops.log').exists()


def test_unknown_step_is_refused():
    code, out = run_tool('tools/benchmarks/gpu_check.py', '--steps', 'pretrain,nope',
                         check=False)
    assert code == 2 and "unknown step(s) ['nope']" in out and 'mmcv_ops' in out


def bench_step(mfu=0.5, ratio=1.3, rounds=(1.3, 1.2, 1.4), splitmask_gib=10.0, beit_gib=9.9):
    return dict(status='ok', splitmask_mfu=mfu, splitmask_mfu_spec=mfu * 0.8,
                spec_peak_tflops=989, time_per_img_ratio=ratio,
                time_per_img_ratio_rounds=list(rounds), splitmask_peak_mem_gib=splitmask_gib,
                beit_peak_mem_gib=beit_gib)


def met(steps, what, decoder_gib=0.2):
    found = [g for g in gpu_check.goals(steps, decoder_gib) if what in g['goal']]
    assert len(found) == 1
    return found[0]['met']


@pytest.mark.parametrize('figures,passes', [
    (dict(mfu=0.46), True), (dict(mfu=0.45), True), (dict(mfu=0.44), False),
])
def test_mfu_goal_direction(figures, passes):
    assert met({'benchmark_eager': bench_step(**figures)}, 'MFU') is passes


@pytest.mark.parametrize('figures,passes', [
    (dict(ratio=1.30, rounds=(1.30, 1.6, 1.2)), True),  # one noisy round does not flip it
    (dict(ratio=1.35, rounds=(1.35, 1.35, 1.35)), True),
    (dict(ratio=1.40, rounds=(1.40, 1.1, 1.5)), False),
    (dict(ratio=1.30, rounds=(1.30, 1.30)), None),  # fewer than 3 rounds: undecided
])
def test_time_ratio_goal_direction(figures, passes):
    assert met({'benchmark_eager': bench_step(**figures)}, 'time per image') is passes


@pytest.mark.parametrize('figures,passes', [
    (dict(splitmask_gib=10.0, beit_gib=9.9), True),  # within BEiT's + the decoder's 0.2
    (dict(splitmask_gib=10.2, beit_gib=9.9), False),
])
def test_memory_goal_direction(figures, passes):
    assert met({'benchmark_eager': bench_step(**figures)}, 'peak memory') is passes


@pytest.mark.parametrize('pipeline,gpu,passes', [
    (3000.0, 2000.0, True), (1500.0, 2000.0, False), (1500.0, None, None),
])
def test_pipeline_goal_direction(pipeline, gpu, passes):
    data = dict(status='ok', workers=16, pipeline_img_per_s=pipeline)
    if gpu is not None:
        data['gpu_step_img_per_s'] = gpu
    assert met({'data_pipeline': data}, 'data pipeline') is passes


def test_goals_only_from_benchmarks_that_ran():
    steps = {'benchmark_eager': dict(status='failed', error='x'),
             'benchmark_compile': bench_step()}
    assert {g['variant'] for g in gpu_check.goals(steps, 0.2)} == {'compile'}


CHILD = '''import os, subprocess, sys, time
if sys.argv[1] == 'fail':
    sys.exit('error: it failed')
grandchild = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)'])
open(sys.argv[2], 'w').write(str(grandchild.pid))
time.sleep(60)
'''


def alive(pid):
    """Running (not a zombie waiting for its reaper)."""
    try:
        with open(f'/proc/{pid}/stat') as f:
            return f.read().rsplit(')', 1)[1].split()[0] not in 'ZX'
    except FileNotFoundError:
        return False


def test_launcher_reports_exit_codes_and_kills_past_the_budget(tmp_path):
    script, log = tmp_path / 'child.py', str(tmp_path / 'log')
    script.write_text(CHILD)
    for fork in (False, True):  # the GPU's fresh interpreter, the dry run's fork
        assert gpu_check.run_tool([str(script), 'fail'], time.perf_counter() + 60, log,
                                  fork=fork) == 1
        assert 'error: it failed' in open(log).read()
    pid_file = tmp_path / 'pid'
    start = time.perf_counter()
    assert gpu_check.run_tool([str(script), 'sleep', str(pid_file)], start + 3, log) is None
    assert time.perf_counter() - start < 20
    grandchild = int(pid_file.read_text())
    while alive(grandchild) and time.perf_counter() - start < 20:  # SIGKILL lands soon
        time.sleep(0.05)
    assert not alive(grandchild)
