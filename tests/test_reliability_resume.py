"""A run killed with SIGKILL part-way through an epoch resumes exactly; a seed fixes a run.

Tiny SplitMask, 48 images / batch 16 = 3 iterations per epoch, 6 epochs, checkpoints
every 4 iterations (iteration 8 is in the middle of epoch 3), drop path on so the
model's own randomness is covered too, and logs unsmoothed (window of 1).
"""
import os
import os.path as osp
import signal
import subprocess
import sys
import time

import pytest
import torch
from conftest import ROOT, TINY_CONFIG, logged, run_tool

ITERS = 18


def train_args(work_dir, data_root, *options):
    return ['tools/train.py', TINY_CONFIG, '--work-dir', str(work_dir),
            '--cfg-options', f'train_dataloader.dataset.data_root={data_root}/pretrain',
            'train_cfg.max_epochs=6', 'default_hooks.checkpoint.by_epoch=False',
            'default_hooks.checkpoint.interval=4', 'model.backbone.drop_path_rate=0.1',
            'log_processor.window_size=1', *options]


def curve(work_dir, key='loss'):
    return {i: r[key] for i, r in logged(work_dir, key).items()}


@pytest.fixture(scope='module')
def reference(scenes, tmp_path_factory):
    """The uninterrupted run."""
    work = tmp_path_factory.mktemp('reference')
    run_tool(*train_args(work, scenes))
    return work


def test_sigkill_mid_epoch_resumes_exactly(scenes, reference, tmp_path):
    proc = subprocess.Popen([sys.executable, *train_args(tmp_path, scenes)], cwd=ROOT,
                            env=dict(os.environ, PYTHONPATH=ROOT, OMP_NUM_THREADS='1'),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 300
    while not (osp.exists(tmp_path / 'iter_8.pth') and max(logged(tmp_path), default=0) >= 10):
        assert proc.poll() is None and time.time() < deadline, 'the run ended early'
        time.sleep(0.01)
    proc.send_signal(signal.SIGKILL)
    assert proc.wait() == -signal.SIGKILL
    killed = curve(tmp_path)
    assert 10 <= max(killed) < ITERS, 'not killed between the checkpoint and the end'

    _, out = run_tool(*train_args(tmp_path, scenes), '--resume')
    assert 'resumed epoch: 2, iter: 8' in out  # 2 epochs done, 8 iterations done
    assert 'resuming 2 iterations into epoch 3: skipping the 32 samples' in out
    resumed, expected = curve(tmp_path), curve(reference)
    print(f'\nkilled after iteration {max(killed)}, resumed from iter_8.pth at iteration '
          f'{min(resumed)}, ran to {max(resumed)}')
    assert sorted(resumed) == list(range(9, ITERS + 1))
    # The same iterations, the same losses and learning rates, bit for bit, before the
    # kill (same seed) and after the resume.
    assert killed == {i: expected[i] for i in killed}
    assert resumed == {i: expected[i] for i in resumed}
    assert curve(tmp_path, 'lr') == {i: v for i, v in curve(reference, 'lr').items() if i > 8}
    ours = torch.load(tmp_path / f'iter_{ITERS - 2}.pth', weights_only=True)
    theirs = torch.load(reference / f'iter_{ITERS - 2}.pth', weights_only=True)
    for key, value in theirs['state_dict'].items():
        assert torch.equal(ours['state_dict'][key], value), key
    for a, b in zip(ours['optimizer']['state'].values(), theirs['optimizer']['state'].values()):
        assert torch.equal(a['exp_avg'], b['exp_avg']) and torch.equal(a['exp_avg_sq'],
                                                                       b['exp_avg_sq'])


def test_same_seed_same_losses_with_or_without_workers(scenes, reference, tmp_path):
    """Augmentations are keyed on (seed, epoch, sample), so data workers change nothing."""
    run_tool(*train_args(tmp_path, scenes, 'train_cfg.max_epochs=2',
                         'train_dataloader.num_workers=2',
                         'train_dataloader.persistent_workers=True'))
    again, expected = curve(tmp_path), curve(reference)
    assert sorted(again) == list(range(1, 7))
    assert again == {i: expected[i] for i in again}
