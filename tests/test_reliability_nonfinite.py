"""Non-finite losses: skipped and counted; too many in a row stop the run with the last
good state saved. NaN is injected into the tiny SplitMask's loss at chosen iterations."""
import glob
import math
import os.path as osp

import pytest
import torch
from conftest import TINY_CONFIG, logged
from mmengine.config import Config
from mmengine.hooks import Hook
from mmengine.runner import Runner

from mmsplitmask.engine import NonFiniteLossError
from reliability_faults import InjectNaNHook

NAN_AT = {3, 4, 7, 8, 9}  # 1-based iterations; two skips, one good step, then three


class Snapshots(Hook):
    """The head's weights after every iteration."""

    def __init__(self):
        self.weights = {}

    def after_train_iter(self, runner, batch_idx, data_batch=None, outputs=None):
        self.weights[runner.iter + 1] = runner.model.head.cls_head.weight.detach().clone()


def test_nonfinite_steps_are_skipped_then_the_run_stops(scenes, tmp_path):
    cfg = Config.fromfile(TINY_CONFIG)
    cfg.merge_from_dict({'train_dataloader.dataset.data_root': f'{scenes}/pretrain',
                         'train_cfg.max_epochs': 4, 'work_dir': str(tmp_path),
                         'experiment_name': f'nonfinite_{tmp_path.name}'})
    cfg.custom_hooks[0].max_consecutive = 3  # NonFiniteLossHook, from the runtime base
    assert cfg.custom_hooks[0].type == 'NonFiniteLossHook'
    runner = Runner.from_cfg(cfg)
    snapshots = Snapshots()
    runner.register_hook(snapshots)
    runner.register_hook(InjectNaNHook(NAN_AT))
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # as the subprocess tests (OMP_NUM_THREADS=1): 2 shared cores
    try:
        with pytest.raises(NonFiniteLossError) as err:
            runner.train()
    finally:
        torch.set_num_threads(threads)
    print(f'\n{err.value}')
    assert 'iterations 7-9' in str(err.value) and 'after iteration 6' in str(err.value)
    assert 'last_good_state.pth' in str(err.value) and '5 skipped in all' in str(err.value)

    w = snapshots.weights
    assert sorted(w) == list(range(1, 9))  # stopped in iteration 9 of 12
    assert torch.equal(w[2], w[3]) and torch.equal(w[3], w[4])  # skipped: unchanged
    assert not torch.equal(w[4], w[5])  # a finite loss steps again
    assert torch.equal(w[6], w[8]) and torch.equal(w[6], runner.model.head.cls_head.weight)

    saved = torch.load(tmp_path / 'last_good_state.pth', weights_only=True)
    assert torch.equal(saved['state_dict']['head.cls_head.weight'], w[6])
    steps = {int(s['step']) for s in saved['optimizer']['state'].values()}
    assert steps == {4}  # AdamW stepped at iterations 1, 2, 5 and 6 only
    assert saved['meta']['iter'] == 9

    log = open(glob.glob(osp.join(tmp_path, '*', '*.log'))[0]).read()
    assert 'at iteration 3 (this process: nan): step skipped (1 in a row, 1 in total)' in log
    assert 'at iteration 9 (this process: nan): step skipped (3 in a row, 5 in total)' in log
    records = logged(tmp_path)
    counts = {i: r.get('nonfinite_skipped') for i, r in records.items()}
    assert counts[2] is None and counts[3] == 1 and counts[5] == 2 and counts[8] == 4
    # NaN stays out of the logged curves (they are means over the last 10 iterations)
    assert all(math.isfinite(r['loss']) and math.isfinite(r['loss_mim'])
               for r in records.values())

    # --resume on the saved state: iterations 10-12 run; the count carries over
    cfg.merge_from_dict({'resume': True, 'load_from': str(tmp_path / 'last_good_state.pth'),
                         'experiment_name': f'nonfinite_resumed_{tmp_path.name}'})
    resumed = Runner.from_cfg(cfg)
    resumed.train()
    records = logged(tmp_path)
    assert sorted(records) == [10, 11, 12] and records[12]['nonfinite_skipped'] == 5
    assert all(math.isfinite(r['loss']) for r in records.values())
