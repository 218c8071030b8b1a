"""The picture tools: tools/analysis_tools/visualize_splitmask.py on the shared tiny
pre-training checkpoint (tests/conftest.py), tools/analysis_tools/browse_dataset.py on
SplitMask and BEiT configs, and the demo's enlargement of prediction pictures."""
import os.path as osp

import cv2
import numpy as np
import pytest
from conftest import TINY_CONFIG as CONFIG, run_tool

from analysis_tools import browse_dataset


def test_visualizes_split_targets_and_predictions(scenes, tiny_pretrained, tmp_path):
    out = tmp_path / 'vis.png'
    tool = 'tools/analysis_tools/visualize_splitmask.py'
    _, log = run_tool(tool, CONFIG, osp.join(tiny_pretrained, 'epoch_1.pth'),
                      osp.join(scenes, 'images', 'val', '000001.jpg'), '--out', str(out),
                      '--token-images', f'{scenes}/pretrain')
    assert 'token accuracy' in log and 'on 16 patches' in log
    assert 'token pictures from 48 images' in log  # every training image of the scenes
    image = cv2.imread(str(out))
    assert image.shape[1] > 4 * image.shape[0] and image.shape[0] >= 300  # 5 panels
    code, log = run_tool(tool, CONFIG, osp.join(tiny_pretrained, 'epoch_1.pth'),
                         str(tmp_path / 'none.jpg'), check=False)
    assert code != 0 and 'none.jpg does not exist' in log


def test_token_maps_are_drawn_with_each_tokens_picture():
    """Two flat colours, each its own token: each token is drawn as its colour."""
    from analysis_tools.visualize_splitmask import draw_tokens
    pictures = np.stack([np.full((2, 2, 3), v, np.float32) for v in (0.0, 1.0)])
    drawn = draw_tokens(pictures, np.array([[0, 1], [1, 0]]))
    assert drawn.shape == (4, 4, 3)
    assert (drawn[:2, :2] == 0).all() and (drawn[:2, 2:] == 1).all() and (drawn[2:, :2] == 1).all()


@pytest.mark.parametrize('config,panels', [(CONFIG, 4),
                                           ('tests/configs/beit_tiny.py', 3)])
def test_browse_dataset_draws_crop_views_and_target(scenes, tmp_path, capsys, config, panels):
    browse_dataset.main([config, '--num', '3', '--out-dir', str(tmp_path), '--cfg-options',
                         f'train_dataloader.dataset.data_root={scenes}/pretrain'])
    drawn = sorted(tmp_path.glob('*.png'))
    assert len(drawn) == 3 and '[3/3]' in capsys.readouterr().out
    image = cv2.imread(str(drawn[0]))
    assert image.shape[0] >= 300 and image.shape[1] > (panels - 0.5) * image.shape[0]


def test_browse_dataset_refuses_a_transfer_config(tmp_path):
    with pytest.raises(SystemExit, match='not a pre-training config'):
        browse_dataset.main(['tests/configs/upernet_tiny.py', '--out-dir', str(tmp_path)])


def test_demo_enlarges_small_prediction_pictures(tmp_path):
    import demo
    path = str(tmp_path / 'pred.png')
    cv2.imwrite(path, np.arange(97 * 304 * 3, dtype=np.uint8).reshape(97, 304, 3))
    demo.enlarge(path)
    big = cv2.imread(path)
    assert big.shape == (97 * 5, 304 * 5, 3)  # whole factor: each pixel a 5x5 block
    assert (big[:5, :5] == big[0, 0]).all()
