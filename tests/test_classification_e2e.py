"""Classification fine-tuning (Table 9 recipe, folder + list-file data) end to end."""
import os
import os.path as osp
import re

import cv2
import numpy as np
import torch
from conftest import ROOT, run_tool, toolbox_tool

from mmsplitmask.datasets.synthetic import CLASSES, make_scene

CONFIG = 'tests/configs/cls_tiny.py'


def make_folder_dataset(root, per_class=3, seed=0):
    """One shape per image, in class folders, with DomainNet-style list files."""
    rng = np.random.default_rng(seed)
    lines = {'train': [], 'test': []}
    count = 0
    while min(len(v) for v in lines.values()) < per_class * len(CLASSES):
        image, instances = make_scene(rng, 96, 96, max_objects=1)
        if not instances:
            continue
        label = instances[0][0]
        os.makedirs(root / CLASSES[label], exist_ok=True)
        path = f'{CLASSES[label]}/{count:04d}.jpg'
        cv2.imwrite(str(root / path), image)
        split = 'train' if count % 2 == 0 else 'test'
        lines[split].append(f'{path} {label}')
        count += 1
    for split, rows in lines.items():
        (root / f'shapes_{split}.txt').write_text('\n'.join(rows) + '\n')


# 10 epochs (warm-up 1) of the tiny recipe on 24 images vs the same model at its init,
# top-1 on the 24 test images, seeds 0/1/2 (mmengine --seed and torch.manual_seed of the
# init): trained 62.5 / 50.0 / 50.0, untrained 33.3 / 25.0 / 20.8 (chance 25).
EPOCHS = 10
MARGIN = 10.0  # points of top-1; the smallest measured gap is 16.7


def top1(log):
    return float(re.findall(r'accuracy/top1: ([\d.]+)', log)[-1])


def untrained_checkpoint(path, seed=0):
    """The tiny classifier at its initialisation, saved as a checkpoint."""
    import mmsplitmask  # noqa: F401
    from mmengine.config import Config
    from mmengine.registry import DefaultScope
    from mmpretrain.registry import MODELS
    with DefaultScope.overwrite_default_scope('mmpretrain'):
        torch.manual_seed(seed)
        model = MODELS.build(Config.fromfile(osp.join(ROOT, CONFIG)).model)
        model.init_weights()
    torch.save({'state_dict': model.state_dict()}, path)
    return str(path)


def test_finetune_and_test_classifier(tmp_path):
    data = tmp_path / 'data'
    make_folder_dataset(data, per_class=6)
    options = ['--cfg-options', f'train_dataloader.dataset.data_root={data}',
               'train_dataloader.dataset.ann_file=shapes_train.txt',
               f'val_dataloader.dataset.data_root={data}',
               'val_dataloader.dataset.ann_file=shapes_test.txt',
               f'test_dataloader.dataset.data_root={data}',
               'test_dataloader.dataset.ann_file=shapes_test.txt']
    schedule = [f'train_cfg.max_epochs={EPOCHS}', f'train_cfg.val_interval={EPOCHS}',
                'param_scheduler.0.end=1', 'param_scheduler.1.begin=1',
                f'param_scheduler.1.end={EPOCHS}']
    _, log = run_tool('tools/train.py', CONFIG, '--seed', '0', '--work-dir',
                      str(tmp_path / 'work'), *options, *schedule)
    assert 'layer-wise lr decay 0.65' in log
    _, log = run_tool('tools/test.py', CONFIG, str(tmp_path / 'work' / f'epoch_{EPOCHS}.pth'),
                      '--work-dir', str(tmp_path / 'work'), *options)
    trained = top1(log)
    _, log = run_tool('tools/test.py', CONFIG, untrained_checkpoint(tmp_path / 'init.pth'),
                      '--work-dir', str(tmp_path / 'init'), *options)
    untrained = top1(log)
    print(f'\ntop-1 on {4 * 6} test images: trained {trained:.1f}, untrained {untrained:.1f}')
    assert trained >= untrained + MARGIN
    # mmpretrain's own shipped tools (what `mim train/test mmpretrain` run), one epoch
    run_tool(toolbox_tool('mmpretrain', 'train.py'), CONFIG, '--work-dir',
             str(tmp_path / 'shipped'), *options)
    _, log = run_tool(toolbox_tool('mmpretrain', 'test.py'), CONFIG,
                      str(tmp_path / 'shipped' / 'epoch_1.pth'), '--work-dir',
                      str(tmp_path / 'shipped'), *options)
    assert 'accuracy/top1' in log

    # mmpretrain's own inference API on our config and checkpoint; unlike mmdet's and
    # mmseg's it does not set its registry scope, which another test may have left.
    from mmengine.registry import DefaultScope
    from mmpretrain.apis import ImageClassificationInferencer
    with DefaultScope.overwrite_default_scope('mmpretrain'):
        inferencer = ImageClassificationInferencer(
            osp.join(ROOT, CONFIG), device='cpu',
            pretrained=str(tmp_path / 'work' / f'epoch_{EPOCHS}.pth'))
        result = inferencer(str(next(data.glob('*/*.jpg'))))[0]
    assert 0 <= result['pred_label'] < len(CLASSES) and len(result['pred_scores']) == len(CLASSES)
