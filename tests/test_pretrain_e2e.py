"""SplitMask and BEiT pre-training end to end through tools/train.py (and mmpretrain's
own shipped train.py). Whether pre-training learns: tests/test_learning_checks.py."""
import glob
import os
import math
import os.path as osp

import cv2
import torch
from conftest import ROOT, TINY_CONFIG, read_scalars, run_tool


def pretrain(work_dir, data_root, epochs, *extra, config=TINY_CONFIG):
    return run_tool('tools/train.py', config, '--work-dir', str(work_dir), *extra,
                    '--cfg-options', f'train_dataloader.dataset.data_root={data_root}/pretrain',
                    f'train_cfg.max_epochs={epochs}')


def check_features(config, checkpoint, scenes, width=64):
    """mmpretrain's FeatureExtractor and get_model(...).extract_feat on a trained
    checkpoint and an image file: the encoder's last-block patch tokens of the whole
    image, resized to the config's 128-px test pipeline, as a (C, 8, 8) map."""
    from mmengine.dataset import default_collate
    from mmpretrain.apis import FeatureExtractor, get_model

    image = sorted(glob.glob(osp.join(scenes, 'images', 'val', '*.jpg')))[0]
    config = osp.join(ROOT, config)
    # whatever registry scope another test left current (the pipelines name their toolbox)
    extractor = FeatureExtractor(config, pretrained=str(checkpoint), device='cpu')
    feats = extractor([image, image], batch_size=2)
    model = get_model(config, pretrained=str(checkpoint))
    data = default_collate([extractor.pipeline(dict(img=cv2.imread(image)))])
    assert len(feats) == 2 and len(feats[0]) == 1 and feats[0][0].shape == (width, 8, 8)
    torch.testing.assert_close(feats[0][0], feats[1][0])
    # the checkpoint's weights, not a fresh init
    state = torch.load(checkpoint, weights_only=True)['state_dict']
    key = 'backbone.blocks.1.mlp.fc2.weight'
    torch.testing.assert_close(model.state_dict()[key], state[key])
    with torch.no_grad():
        direct = model.extract_feat(model.data_preprocessor(data, False)['inputs'])
    assert len(direct) == 1 and direct[0].shape == (1, width, 8, 8)
    torch.testing.assert_close(direct[0][0], feats[0][0])


def test_mmpretrain_shipped_train_tool_pretrains(tiny_pretrained):
    """mmpretrain's own tools/train.py (what ``mim train mmpretrain`` runs) made the
    shared checkpoint."""
    assert osp.isfile(tiny_pretrained / 'epoch_1.pth')
    assert any('loss_mim' in r and 'loss_match' in r for r in read_scalars(tiny_pretrained))


def test_resume_loads_mmengine_checkpoint_with_weights_only(scenes, tiny_pretrained, tmp_path):
    first = osp.join(tiny_pretrained, 'epoch_1.pth')
    checkpoint = torch.load(first, weights_only=True)
    hub = checkpoint['message_hub']['log_scalars']
    assert type(hub['train/loss']).__name__ == 'HistoryBuffer'
    _, out = pretrain(tmp_path, scenes, 2, '--resume', first)
    assert 'resumed epoch: 1, iter: 3' in out
    assert osp.isfile(osp.join(tmp_path, 'epoch_2.pth'))


def test_beit_baseline_trains(scenes, tmp_path):
    pretrain(tmp_path, scenes, 2, config='tests/configs/beit_tiny.py')
    losses = [r['loss'] for r in read_scalars(tmp_path) if 'loss' in r]
    assert len(losses) == 6 and all(math.isfinite(x) for x in losses)
    check_features('tests/configs/beit_tiny.py', tmp_path / 'epoch_2.pth', scenes)


def test_dist_train_two_cpu_processes(scenes, tmp_path):
    _, out = run_tool('tools/dist_train.sh', TINY_CONFIG, '2', '--work-dir', str(tmp_path),
                      '--cfg-options', f'train_dataloader.dataset.data_root={scenes}/pretrain',
                      'train_cfg.max_epochs=1', env={'PORT': '29611'})
    assert 'Distributed launcher: pytorch' in out or 'world_size: 2' in out
    assert osp.isfile(osp.join(tmp_path, 'epoch_1.pth'))


def test_slurm_train_two_cpu_tasks(scenes, tmp_path):
    """tools/slurm_train.sh through a stand-in srun (tests/fake_slurm) with 2 tasks."""
    path = f'{osp.join(osp.dirname(__file__), "fake_slurm")}:{os.environ["PATH"]}'
    _, out = run_tool('tools/slurm_train.sh', 'cpu', 'demo', TINY_CONFIG, '--work-dir',
                      str(tmp_path), '--cfg-options',
                      f'train_dataloader.dataset.data_root={scenes}/pretrain',
                      'train_cfg.max_epochs=1', env={'PATH': path, 'GPUS': '2',
                                                     'MASTER_PORT': '29613'})
    assert 'Distributed launcher: slurm' in out and 'Distributed training: True' in out
    assert osp.isfile(osp.join(tmp_path, 'epoch_1.pth'))


def test_unknown_cfg_option_fails_before_any_work(tmp_path):
    code, out = run_tool('tools/train.py', TINY_CONFIG, '--work-dir', str(tmp_path),
                         '--cfg-options', 'trian_cfg.max_epochs=1', check=False)
    assert code != 0 and "the config has no 'trian_cfg'" in out
    code, out = run_tool('tools/train.py', 'configs/nope.py', check=False)
    assert code != 0 and 'configs/nope.py does not exist' in out
    # a pre-training config has a test pipeline (feature extraction) but no test
    code, out = run_tool('tools/test.py', TINY_CONFIG, 'epoch_1.pth', check=False)
    assert code != 0 and 'defines no test' in out and 'FeatureExtractor' in out
