"""Classification fine-tuning (Table 9 recipe, folder + list-file data) end to end."""
import os
import os.path as osp

import cv2
import numpy as np
from conftest import ROOT, run_tool, toolbox_tool

from mmsplitmask.datasets.synthetic import CLASSES, make_scene


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


def test_finetune_and_test_classifier(tmp_path):
    data = tmp_path / 'data'
    make_folder_dataset(data)
    options = ['--cfg-options', f'train_dataloader.dataset.data_root={data}',
               'train_dataloader.dataset.ann_file=shapes_train.txt',
               f'val_dataloader.dataset.data_root={data}',
               'val_dataloader.dataset.ann_file=shapes_test.txt',
               f'test_dataloader.dataset.data_root={data}',
               'test_dataloader.dataset.ann_file=shapes_test.txt']
    _, log = run_tool('tools/train.py', 'tests/configs/cls_tiny.py', '--work-dir',
                      str(tmp_path / 'work'), *options)
    assert 'accuracy/top1' in log and 'layer-wise lr decay 0.65' in log
    _, log = run_tool('tools/test.py', 'tests/configs/cls_tiny.py',
                      str(tmp_path / 'work' / 'epoch_1.pth'), '--work-dir',
                      str(tmp_path / 'work'), *options)
    assert 'accuracy/top1' in log
    # mmpretrain's own shipped tools (what `mim train/test mmpretrain` run)
    run_tool(toolbox_tool('mmpretrain', 'train.py'), 'tests/configs/cls_tiny.py', '--work-dir',
             str(tmp_path / 'shipped'), *options)
    _, log = run_tool(toolbox_tool('mmpretrain', 'test.py'), 'tests/configs/cls_tiny.py',
                      str(tmp_path / 'shipped' / 'epoch_1.pth'), '--work-dir',
                      str(tmp_path / 'shipped'), *options)
    assert 'accuracy/top1' in log

    # mmpretrain's own inference API on our config and checkpoint; unlike mmdet's and
    # mmseg's it does not set its registry scope, which another test may have left.
    from mmengine.registry import DefaultScope
    from mmpretrain.apis import ImageClassificationInferencer
    with DefaultScope.overwrite_default_scope('mmpretrain'):
        inferencer = ImageClassificationInferencer(
            osp.join(ROOT, 'tests/configs/cls_tiny.py'), device='cpu',
            pretrained=str(tmp_path / 'work' / 'epoch_1.pth'))
        result = inferencer(str(next(data.glob('*/*.jpg'))))[0]
    assert 0 <= result['pred_label'] < len(CLASSES) and len(result['pred_scores']) == len(CLASSES)
