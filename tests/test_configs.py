"""Every shipped config loads and builds its model under its own toolbox's scope."""
import glob
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
    assert type(model.backbone).__name__ in ('SplitMaskViT', 'MaskedTokenViT')
