"""The one layer-decay constructor gives each block the lr of the formula, in all
three toolboxes, and no weight decay to norms, biases, position embedding, class token."""
import copy

import pytest
from mmengine.config import Config
from mmengine.optim import build_optim_wrapper
from mmengine.registry import DefaultScope

from conftest import TINY
from test_configs import build_model

TINY_ARCH = dict(_delete_=True, **TINY)
CASES = [
    # (config, scope, overrides)
    ('configs/classification/vit-base-p16-splitmask-cars-pre_8xb128-300e_cars.py', 'mmpretrain',
     dict(model=dict(backbone=dict(arch=TINY_ARCH, init_cfg=None), head=dict(in_channels=64)))),
    ('tests/configs/mask-rcnn_tiny.py', 'mmdet', {}),
    ('tests/configs/upernet_tiny.py', 'mmseg', {}),
]


@pytest.mark.parametrize('config,scope,overrides', CASES, ids=[c[1] for c in CASES])
def test_block_lrs_follow_the_formula(config, scope, overrides):
    cfg = Config.fromfile(config)
    cfg.merge_from_dict(copy.deepcopy(overrides))  # merging pops _delete_ from it
    cfg.optim_wrapper.paramwise_cfg.layer_decay_rate = 0.5
    cfg.optim_wrapper.type = 'OptimWrapper'
    with DefaultScope.overwrite_default_scope(scope):
        model = build_model(cfg)
        wrapper = build_optim_wrapper(model, cfg.optim_wrapper)
    base_lr = cfg.optim_wrapper.optimizer.lr
    wd = cfg.optim_wrapper.optimizer.weight_decay
    group_of = {name: g for g in wrapper.optimizer.param_groups for name in g['param_names']}
    num_layers = 2  # depths: embeddings 0, blocks 1..2, the rest 3
    expected_scale = {'backbone.pos_embed': 0.5**3, 'backbone.cls_token': 0.5**3,
                      'backbone.patch_embed.proj.weight': 0.5**3,
                      'backbone.blocks.0.attn.qkv.weight': 0.5**2,
                      'backbone.blocks.1.mlp.fc1.weight': 0.5**1,
                      'backbone.norm.weight': 1.0}
    for name, scale in expected_scale.items():
        if name not in group_of:  # sincos detection models have no pos_embed parameter
            assert name == 'backbone.pos_embed'
            continue
        assert group_of[name]['lr'] == pytest.approx(base_lr * scale), name
    head = [n for n in group_of if not n.startswith('backbone.') and n.endswith('weight')]
    assert head and all(group_of[n]['lr'] == pytest.approx(base_lr) for n in head)
    for name, group in group_of.items():
        no_decay = name.endswith(('.bias', 'pos_embed', 'cls_token')) or 'norm' in name
        if no_decay:
            assert group['weight_decay'] == 0, name
    assert group_of['backbone.blocks.0.attn.qkv.weight']['weight_decay'] == wd
    assert len(group_of) == sum(1 for p in model.parameters() if p.requires_grad)
    assert num_layers == model.backbone.num_layers
