"""Two CPU processes (torchrun, gloo) against one; a NaN on one rank; a rank that dies.

1 process x batch 16 and 2 processes x batch 8 see the same global batches with the
same augmentations: ResumableSampler deals each epoch's order out over the ranks and
keys every sample's crop, flip and split mask on (seed, epoch, index), not on the
rank's random stream. InfoNCE gathers its negatives from both ranks, DDP averages the
gradients, and GlobalMeanLogHook logs the mean over ranks, so the logs must agree.
"""
import json
import math
import os
import re
import signal
import subprocess
import time

from conftest import ROOT, TINY_CONFIG, logged, run_tool

KEYS = ('loss', 'loss_mim', 'loss_match', 'acc_token', 'acc_match', 'lr')


def options(data_root, *extra):
    return ['--cfg-options', f'train_dataloader.dataset.data_root={data_root}/pretrain',
            'log_processor.window_size=1', *extra]


def test_two_processes_log_the_same_losses_as_one(scenes, tmp_path):
    run_tool('tools/train.py', TINY_CONFIG, '--work-dir',
             str(tmp_path / '1'), *options(scenes, 'train_cfg.max_epochs=2'))
    run_tool('tools/dist_train.sh', TINY_CONFIG, '2', '--work-dir',
             str(tmp_path / '2'), *options(scenes, 'train_cfg.max_epochs=2',
                                           'train_dataloader.batch_size=8'),
             env={'PORT': '29641'})
    one, two = logged(tmp_path / '1'), logged(tmp_path / '2')
    assert sorted(one) == sorted(two) == list(range(1, 7))
    worst = max(abs(one[i][k] - two[i][k]) for i in one for k in KEYS)
    print(f'\n6 iterations, largest difference 1 vs 2 processes: {worst:.2e}')
    for i in one:
        for key in KEYS:
            assert abs(one[i][key] - two[i][key]) <= 1e-4 * max(1, abs(one[i][key])), (i, key)


def children(pid):
    kids = []
    for entry in os.listdir('/proc'):
        try:
            with open(f'/proc/{entry}/stat') as f:
                if entry.isdigit() and int(f.read().rsplit(')', 1)[1].split()[1]) == pid:
                    kids.append(int(entry))
        except OSError:
            pass
    return kids


def rank_of(pid):
    with open(f'/proc/{pid}/environ', 'rb') as f:
        env = dict(e.split(b'=', 1) for e in f.read().split(b'\0') if b'=' in e)
    return int(env.get(b'RANK', -1))


def test_nan_on_one_rank_then_a_dead_rank_fails_the_job_promptly(scenes, tmp_path):
    """Rank 1's loss is NaN at iteration 2 (tests/reliability_faults.py): both ranks skip
    the step (a rank that stepped alone would hang DDP or drift). At iteration 4 rank 1
    is killed with SIGKILL: the whole job must exit non-zero, not hang."""
    env = dict(os.environ, PYTHONPATH=f'{ROOT}:{ROOT}/tests', OMP_NUM_THREADS='1',
               PORT='29642')
    log = open(tmp_path / 'out.txt', 'w')
    job = subprocess.Popen(
        ['tools/dist_train.sh', 'tests/configs/splitmask_tiny_faults.py', '2', '--work-dir',
         str(tmp_path), *options(scenes, 'train_cfg.max_epochs=100',
                                 'train_dataloader.batch_size=8')],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.time() + 300
        while max(logged(tmp_path), default=0) < 4:
            assert job.poll() is None and time.time() < deadline, open(tmp_path / 'out.txt').read()
            time.sleep(0.05)
        victim = next(p for p in children(job.pid) if rank_of(p) == 1)
        killed_at = time.time()
        os.kill(victim, signal.SIGKILL)
        code = job.wait(timeout=120)
        seconds = time.time() - killed_at
    finally:
        if job.poll() is None:
            job.kill()
    out = open(tmp_path / 'out.txt').read()
    print(f'\nrank 1 killed after iteration {max(logged(tmp_path))}: job exited with {code} '
          f'after {seconds:.1f} s')
    # rank 0 (whose own loss was finite) skipped with rank 1, and training went on
    assert re.search(r'non-finite loss at iteration 2 \(this process: [\d.]+\): step skipped',
                     out)
    records = logged(tmp_path)
    assert records[3].get('nonfinite_skipped') == 1
    assert all(math.isfinite(r['loss']) for r in records.values())
    assert code != 0 and seconds < 60


def test_ranks_draw_different_drop_path_masks_and_resume_exactly(scenes, tmp_path):
    """ExactResumeHook reseeds every iteration from (runner.seed, iteration); with
    diff_rank_seed mmengine offsets runner.seed by the rank, so the ranks' drop-path
    masks differ, and a resumed run draws the masks the uninterrupted one drew."""
    def train(work, epochs, *extra):
        run_tool('tools/dist_train.sh', 'tests/configs/splitmask_tiny_rank_masks.py', '2',
                 '--work-dir', str(work), *extra, *options(
                     scenes, f'train_cfg.max_epochs={epochs}', 'train_dataloader.batch_size=8',
                     f'custom_hooks.4.out_dir={work}/masks'),
                 env={'PORT': '29651', 'PYTHONPATH': f'{ROOT}:{ROOT}/tests'})

    def masks(work, rank):
        with open(work / 'masks' / f'rank{rank}.json') as f:
            return json.load(f)

    train(tmp_path / 'full', 2)
    full = [masks(tmp_path / 'full', r) for r in (0, 1)]
    assert sorted(full[0], key=int) == [str(i) for i in range(1, 7)]
    assert all(full[0][i] != full[1][i] for i in full[0]), 'ranks drew the same masks'
    assert len({tuple(m) for m in full[0].values()}) == 6, 'iterations repeat a mask'

    train(tmp_path / 'resumed', 1)
    train(tmp_path / 'resumed', 2, '--resume')
    assert [masks(tmp_path / 'resumed', r) for r in (0, 1)] == full
