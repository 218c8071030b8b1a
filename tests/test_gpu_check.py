"""tools/benchmarks/gpu_check.py: its CPU dry run end to end (every step of the GPU check at tiny
sizes), and the launcher it uses on the GPU (fresh interpreters, killed with their
children when a step's budget is spent), which the dry run replaces by forks."""
import json
import time

from benchmarks import gpu_check
from conftest import run_tool

STEPS = ['benchmark_eager', 'benchmark_compile', 'pretrain', 'upernet', 'maskrcnn',
         'data_pipeline']


def test_dry_run_runs_every_step(tmp_path):
    out = tmp_path / 'check.json'
    _, log = run_tool('tools/benchmarks/gpu_check.py', '--dry-run', '--out', str(out))
    result = json.loads(log.strip().splitlines()[-1])
    assert result == json.loads(out.read_text())
    assert result['dry_run'] and result['device'] == 'cpu' and result['torch']
    steps = {s.pop('name'): s for s in result['steps']}
    assert list(steps) == STEPS and result['failed_steps'] == []
    assert steps.pop('benchmark_compile')['status'] == 'skipped'  # no compile on CPU
    if gpu_check.roi_align_error('cpu'):  # an mmcv without compiled ops
        assert steps.pop('maskrcnn')['status'] == 'skipped'
    for name, step in steps.items():
        assert step['status'] == 'ok', (name, step)
        assert step['seconds'] > 0

    bench = steps['benchmark_eager']
    for key in ('peak_gflops', 'splitmask_img_per_s', 'beit_img_per_s', 'splitmask_mfu',
                'beit_mfu', 'splitmask_peak_mem_gib', 'beit_peak_mem_gib'):
        assert bench[key] > 0, key
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
