"""tools/visualize_splitmask.py on a tiny checkpoint made by tools/train.py."""
import os.path as osp

import cv2
from conftest import run_tool


def test_visualizes_split_targets_and_predictions(scenes, tmp_path):
    config = 'tests/configs/splitmask_tiny.py'
    run_tool('tools/train.py', config, '--work-dir', str(tmp_path), '--cfg-options',
             f'train_dataloader.dataset.data_root={scenes}/pretrain', 'train_cfg.max_epochs=1')
    out = tmp_path / 'vis.png'
    _, log = run_tool('tools/visualize_splitmask.py', config, osp.join(tmp_path, 'epoch_1.pth'),
                      osp.join(scenes, 'images', 'val', '000001.jpg'), '--out', str(out))
    assert 'token accuracy' in log and 'on 16 patches' in log
    image = cv2.imread(str(out))
    assert image.shape[1] > 5 * image.shape[0]  # seven panels side by side
    code, log = run_tool('tools/visualize_splitmask.py', config,
                         osp.join(tmp_path, 'epoch_1.pth'), str(tmp_path / 'none.jpg'),
                         check=False)
    assert code != 0 and 'none.jpg does not exist' in log
