"""Every shipped config loads and builds its model under its own toolbox's scope, and its
pipelines under any scope."""
import glob
import math
import re
import os.path as osp

import pytest
from mmengine.config import Config
from mmengine.registry import DefaultScope, init_default_scope

import mmsplitmask  # noqa: F401
from conftest import ROOT

CONFIGS = sorted(
    p for p in glob.glob(osp.join(ROOT, 'configs', '**', '*.py'), recursive=True)
    if '_base_' not in p)


def build_model(cfg):
    registry = __import__(f'{cfg.default_scope}.registry', fromlist=['MODELS']).MODELS
    model_cfg = cfg.model
    if cfg.get('data_preprocessor') and isinstance(model_cfg, dict):
        model_cfg.setdefault('data_preprocessor', cfg.data_preprocessor)
    with DefaultScope.overwrite_default_scope(cfg.default_scope):
        return registry.build(model_cfg)


SCOPES = ('mmengine', 'mmpretrain', 'mmdet', 'mmseg')


def pipelines_of(node, path=''):
    """(where, steps) of every pipeline in a config: each list under a key named
    *pipeline, at any depth (dataloaders, dataset wrappers, module-level variables)."""
    items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(
        node, (list, tuple)) else ()
    for key, value in items:
        where = f'{path}.{key}' if path else str(key)
        if str(key).endswith('pipeline') and isinstance(value, (list, tuple)):
            yield where, value
        else:
            yield from pipelines_of(value, where)


def transform_classes(transform):
    """The class of a built transform and of every transform it holds (RandomApply,
    TestTimeAug, Compose), in order."""
    from mmcv.transforms import BaseTransform
    held = []

    def collect(value):
        if isinstance(value, (list, tuple)):
            for item in value:
                collect(item)
        elif isinstance(value, BaseTransform):
            held.extend(transform_classes(value))
    for value in vars(transform).values():
        collect(value)
    return [type(transform)] + held


def check_pipelines_build_in_any_scope(cfg, name):
    """Each step of each pipeline builds, as the same classes, whatever default scope is
    current (as after another toolbox's inferencer in the same process), through the
    root registry that mmcv's Compose uses: toolboxes are named in the types."""
    from mmengine.registry import TRANSFORMS
    pipelines = list(pipelines_of(cfg.to_dict()))
    for where, steps in pipelines:
        for step in steps:
            built = {}
            for scope in SCOPES:
                with DefaultScope.overwrite_default_scope(scope):
                    try:
                        built[scope] = transform_classes(TRANSFORMS.build(step))
                    except Exception as err:  # a failure is a difference, shown below
                        built[scope] = f'{type(err).__name__}: {err}'
            own = built[cfg.get('default_scope', 'mmpretrain')]
            assert all(b == own for b in built.values()), (
                f'{name}: {where}: {step["type"]} builds differently by scope: {built}')
    return len(pipelines)


def test_every_folder_has_configs():
    folders = {osp.basename(osp.dirname(p)) for p in CONFIGS}
    assert {'splitmask', 'mask_rcnn', 'upernet', 'classification', 'vitdet'} <= folders


@pytest.mark.parametrize('path', CONFIGS, ids=lambda p: osp.relpath(p, ROOT))
def test_config_builds(path):
    cfg = Config.fromfile(path)
    assert check_pipelines_build_in_any_scope(cfg, osp.relpath(path, ROOT)) >= 1
    init_default_scope(cfg.default_scope)
    model = build_model(cfg)
    assert sum(p.numel() for p in model.parameters()) > 0
    # MAEViT: mmpretrain's MAE, the small-scale study's external control
    assert type(model.backbone).__name__ in ('SplitMaskViT', 'MaskedTokenViT', 'MAEViT')


@pytest.mark.parametrize('path', sorted(glob.glob(osp.join(ROOT, 'tests', 'configs', '*.py'))),
                         ids=lambda p: osp.relpath(p, ROOT))
def test_test_config_pipelines_build_in_any_scope(path):
    assert check_pipelines_build_in_any_scope(Config.fromfile(path), path) >= 1


FULL_SCALE_PRETRAIN = [p for p in CONFIGS if '16xb128' in p and '/splitmask/' in p]


@pytest.mark.parametrize('path', FULL_SCALE_PRETRAIN, ids=lambda p: osp.relpath(p, ROOT))
def test_pretrain_warmup_is_sized_by_updates(path):
    """BEiT's 10 ImageNet epochs are 6,250 updates at batch 2048: each full-scale
    config warms up for 6,250 updates, or 1/30 of a schedule shorter than BEiT's."""
    cfg = Config.fromfile(path)
    found = re.search(r'([\d,]+) images / 2048 = (\d+) updates per epoch', open(path).read())
    images, per_epoch = (int(g.replace(',', '')) for g in found.groups())
    batch = cfg.train_dataloader.batch_size * 16
    assert batch == 2048 and per_epoch == math.ceil(images / batch)
    warmup, cosine = cfg.param_scheduler
    assert warmup.type == 'LinearLR' and cosine.begin == warmup.end
    total = per_epoch * cfg.train_cfg.max_epochs
    assert abs(warmup.end * per_epoch - min(6250, total / 30)) <= per_epoch


PRETRAIN = [p for p in CONFIGS if osp.basename(osp.dirname(p)) in ('splitmask', 'study')]


@pytest.mark.parametrize('path', PRETRAIN, ids=lambda p: osp.relpath(p, ROOT))
def test_pretrain_config_reads_one_image_for_feature_extraction(path):
    """What mmpretrain's FeatureExtractor needs of a pre-training config: the pipeline it
    builds from test_dataloader gives the whole image at the pre-training crop size,
    and the model's data preprocessor turns a batch of such images into one normalised
    (B, 3, H, W) tensor. mmengine's Runner takes test_dataloader only with test_cfg and
    test_evaluator (else tools/train.py would refuse the config)."""
    import numpy as np
    import torch
    from mmengine.dataset import default_collate
    from mmpretrain.apis import FeatureExtractor
    from mmpretrain.registry import MODELS

    cfg = Config.fromfile(path)
    assert all(cfg.get(k) is not None for k in ('test_dataloader', 'test_cfg', 'test_evaluator'))
    init_default_scope('mmpretrain')
    pipeline = FeatureExtractor._init_pipeline(None, cfg)  # what FeatureExtractor builds
    # a non-square BGR image of the mean colour: zero after RGB conversion + normalising
    mean = cfg.model.data_preprocessor.mean
    image = np.empty((90, 150, 3), np.uint8)
    image[:] = np.round(mean[::-1]).astype(np.uint8)
    data = default_collate([pipeline(dict(img=image, img_shape=(90, 150), ori_shape=(90, 150)))])
    inputs = MODELS.build(cfg.model.data_preprocessor)(data, False)['inputs']
    crop = cfg.model.backbone.img_size
    assert isinstance(inputs, torch.Tensor) and inputs.shape == (1, 3, crop, crop)
    assert inputs.abs().max() < 0.01
