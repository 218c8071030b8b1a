"""SplitMask and BEiT pre-training end to end through tools/train.py."""
import os
import math
import os.path as osp

import torch
from conftest import read_scalars, run_tool

SPLITMASK = 'tests/configs/splitmask_tiny.py'


def pretrain(work_dir, data_root, epochs, *extra, config=SPLITMASK):
    return run_tool('tools/train.py', config, '--work-dir', str(work_dir), *extra,
                    '--cfg-options', f'train_dataloader.dataset.data_root={data_root}/pretrain',
                    f'train_cfg.max_epochs={epochs}')


def test_pretraining_learns(scenes, tmp_path):
    pretrain(tmp_path, scenes, 60)  # 48 images / batch 16 -> 180 iterations
    records = [r for r in read_scalars(tmp_path) if 'loss_mim' in r]
    first, last = records[0], records[-10:]
    mean = {k: sum(r[k] for r in last) / len(last) for k in ('loss_mim', 'acc_token', 'acc_match')}
    print(f'\nfirst: loss_mim {first["loss_mim"]:.3f}; last 10 mean: ' +
          ', '.join(f'{k} {v:.3f}' for k, v in mean.items()) +
          f' (chance: loss_mim {math.log(8192):.3f}, acc_token {1 / 8192:.5f}, acc_match 1/16)')
    assert mean['loss_mim'] < 0.75 * math.log(8192)
    assert mean['acc_token'] > 100 / 8192
    assert mean['acc_match'] > 3 / 16


def test_resume_loads_mmengine_checkpoint_with_weights_only(scenes, tmp_path):
    pretrain(tmp_path, scenes, 1)
    checkpoint = torch.load(osp.join(tmp_path, 'epoch_1.pth'), weights_only=True)
    hub = checkpoint['message_hub']['log_scalars']
    assert type(hub['train/loss']).__name__ == 'HistoryBuffer'
    _, out = pretrain(tmp_path, scenes, 2, '--resume')
    assert 'resumed epoch: 1, iter: 3' in out
    assert osp.isfile(osp.join(tmp_path, 'epoch_2.pth'))


def test_beit_baseline_trains(scenes, tmp_path):
    pretrain(tmp_path, scenes, 2, config='tests/configs/beit_tiny.py')
    losses = [r['loss'] for r in read_scalars(tmp_path) if 'loss' in r]
    assert len(losses) == 6 and all(math.isfinite(x) for x in losses)


def test_dist_train_two_cpu_processes(scenes, tmp_path):
    _, out = run_tool('tools/dist_train.sh', SPLITMASK, '2', '--work-dir', str(tmp_path),
                      '--cfg-options', f'train_dataloader.dataset.data_root={scenes}/pretrain',
                      'train_cfg.max_epochs=1', env={'PORT': '29611'})
    assert 'Distributed launcher: pytorch' in out or 'world_size: 2' in out
    assert osp.isfile(osp.join(tmp_path, 'epoch_1.pth'))


def test_slurm_train_two_cpu_tasks(scenes, tmp_path):
    """tools/slurm_train.sh through a stand-in srun (tests/fake_slurm) with 2 tasks."""
    path = f'{osp.join(osp.dirname(__file__), "fake_slurm")}:{os.environ["PATH"]}'
    _, out = run_tool('tools/slurm_train.sh', 'cpu', 'demo', SPLITMASK, '--work-dir',
                      str(tmp_path), '--cfg-options',
                      f'train_dataloader.dataset.data_root={scenes}/pretrain',
                      'train_cfg.max_epochs=1', env={'PATH': path, 'GPUS': '2',
                                                     'MASTER_PORT': '29613'})
    assert 'Distributed launcher: slurm' in out and 'Distributed training: True' in out
    assert osp.isfile(osp.join(tmp_path, 'epoch_1.pth'))


def test_unknown_cfg_option_fails_before_any_work(tmp_path):
    code, out = run_tool('tools/train.py', SPLITMASK, '--work-dir', str(tmp_path),
                         '--cfg-options', 'trian_cfg.max_epochs=1', check=False)
    assert code != 0 and "the config has no 'trian_cfg'" in out
    code, out = run_tool('tools/train.py', 'configs/nope.py', check=False)
    assert code != 0 and 'configs/nope.py does not exist' in out
