"""Checkpoint loading: weights_only safety and transfer that never loads silently wrong."""
import os
import os.path as osp

import pytest
import torch
from mmengine.config import Config
from mmengine.runner.checkpoint import CheckpointLoader

from mmsplitmask.compat import UnsafeCheckpointError
from mmsplitmask.models.checkpoint_loading import CheckpointMismatchError


class RunsCode:
    """A pickle payload that would create a file if it were ever unpickled unsafely."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f'touch {self.marker}', ))


def test_code_executing_checkpoint_is_refused(tmp_path):
    marker = tmp_path / 'pwned'
    path = tmp_path / 'evil.pth'
    torch.save({'state_dict': {'w': torch.zeros(1)}, 'meta': RunsCode(marker)}, path)
    with pytest.raises(UnsafeCheckpointError) as err:
        CheckpointLoader.load_checkpoint(str(path), map_location='cpu')
    assert str(path) in str(err.value) and 'system' in str(err.value)
    assert not marker.exists()


def test_missing_checkpoint_names_the_path(tmp_path):
    with pytest.raises(FileNotFoundError, match='nope.pth'):
        CheckpointLoader.load_checkpoint(str(tmp_path / 'nope.pth'))


@pytest.fixture(scope='module')
def pretrained(tiny_pretrained):
    return osp.join(tiny_pretrained, 'epoch_1.pth')


def build_backbone(config, scope, init_cfg):
    import mmsplitmask  # noqa: F401
    from mmengine.registry import DefaultScope
    cfg = Config.fromfile(config)
    cfg.model.backbone.init_cfg = init_cfg
    registry = __import__(f'{scope}.registry', fromlist=['MODELS']).MODELS
    with DefaultScope.overwrite_default_scope(scope):
        backbone = registry.build(cfg.model.backbone)
        backbone.init_weights()
    return backbone


@pytest.mark.parametrize('config,scope', [('tests/configs/mask-rcnn_tiny.py', 'mmdet'),
                                          ('tests/configs/upernet_tiny.py', 'mmseg')])
def test_pretrained_weights_arrive_unchanged(pretrained, config, scope):
    saved = torch.load(pretrained, weights_only=True)['state_dict']
    backbone = build_backbone(config, scope, dict(
        type='Pretrained', checkpoint=pretrained, prefix='backbone.'))
    loaded = backbone.state_dict()
    compared = 0
    for key, value in saved.items():
        if key.startswith('backbone.') and key != 'backbone.pos_embed':
            assert torch.equal(loaded[key[len('backbone.'):]], value), key
            compared += 1
    assert compared == len([k for k in loaded if not k.startswith(('pyramid', 'pos_embed'))])


def test_wrong_prefix_fails_instead_of_training_from_scratch(pretrained):
    with pytest.raises(CheckpointMismatchError, match="prefix 'encoder.'"):
        build_backbone('tests/configs/mask-rcnn_tiny.py', 'mmdet', dict(
            type='Pretrained', checkpoint=pretrained, prefix='encoder.'))
    # A file whose backbone lacks blocks fails too, naming what is missing.
    state = torch.load(pretrained, weights_only=True)['state_dict']
    partial = {k: v for k, v in state.items() if '.blocks.1.' not in k}
    path = osp.join(osp.dirname(pretrained), 'partial.pth')
    torch.save({'state_dict': partial}, path)
    with pytest.raises(CheckpointMismatchError, match='blocks.1'):
        build_backbone('tests/configs/mask-rcnn_tiny.py', 'mmdet', dict(
            type='Pretrained', checkpoint=path, prefix='backbone.'))
    build_backbone('tests/configs/mask-rcnn_tiny.py', 'mmdet', dict(
        type='Pretrained', checkpoint=path, prefix='backbone.', allow_missing=['blocks.1.*']))


def test_wrong_shape_names_tensor_and_shapes(pretrained, tmp_path):
    state = torch.load(pretrained, weights_only=True)['state_dict']
    state['backbone.blocks.0.mlp.fc1.weight'] = torch.zeros(3, 3)
    path = tmp_path / 'bad_shape.pth'
    torch.save({'state_dict': state}, path)
    with pytest.raises(CheckpointMismatchError, match=r'blocks.0.mlp.fc1.weight.*\[3, 3\]'):
        build_backbone('tests/configs/upernet_tiny.py', 'mmseg', dict(
            type='Pretrained', checkpoint=str(path), prefix='backbone.'))


def test_weights_without_a_place_fail(pretrained, tmp_path):
    state = torch.load(pretrained, weights_only=True)['state_dict']
    state['backbone.blocks.0.ls1.gamma'] = torch.ones(64)  # layer scale the model lacks
    path = tmp_path / 'layer_scale.pth'
    torch.save({'state_dict': state}, path)
    with pytest.raises(CheckpointMismatchError, match='ls1.gamma'):
        build_backbone('tests/configs/upernet_tiny.py', 'mmseg', dict(
            type='Pretrained', checkpoint=str(path), prefix='backbone.'))


class FailsToPickle:
    def __reduce__(self):
        raise RuntimeError('killed while saving')


def test_interrupted_save_keeps_the_last_good_checkpoint(tmp_path):
    from mmengine.runner import runner as mme_runner
    path = tmp_path / 'epoch_1.pth'
    mme_runner.save_checkpoint({'state_dict': {'w': torch.ones(3)}}, str(path))
    with pytest.raises(RuntimeError, match='killed while saving'):
        mme_runner.save_checkpoint({'state_dict': {'w': torch.zeros(3)}, 'x': FailsToPickle()},
                                   str(path))
    assert torch.equal(torch.load(path, weights_only=True)['state_dict']['w'], torch.ones(3))
    assert os.listdir(tmp_path) == ['epoch_1.pth']
