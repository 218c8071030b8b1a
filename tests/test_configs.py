"""Every shipped config loads and builds its model under its own toolbox's scope."""
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


def test_every_folder_has_configs():
    folders = {osp.basename(osp.dirname(p)) for p in CONFIGS}
    assert {'splitmask', 'mask_rcnn', 'upernet', 'classification'} <= folders


@pytest.mark.parametrize('path', CONFIGS, ids=lambda p: osp.relpath(p, ROOT))
def test_config_builds(path):
    cfg = Config.fromfile(path)
    init_default_scope(cfg.default_scope)
    model = build_model(cfg)
    assert sum(p.numel() for p in model.parameters()) > 0
    # MAEViT: mmpretrain's MAE, the small-scale study's external control
    assert type(model.backbone).__name__ in ('SplitMaskViT', 'MaskedTokenViT', 'MAEViT')


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
