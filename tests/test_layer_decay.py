"""The one layer-decay constructor gives each block the lr of the formula, in all
three toolboxes, and no weight decay to norms, biases, position embedding, class token."""
import copy

import pytest
from mmengine.config import Config
from mmengine.logging import MMLogger
from mmengine.optim import build_optim_wrapper
from mmengine.registry import DefaultScope

from conftest import TINY
from test_configs import build_model
from torch import nn

from mmsplitmask.models import SplitMaskDecoder, SplitMaskViT

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


class TinyModel(nn.Module):
    """A tiny ViT and a decoder one level deeper than usual (``neck.decoder``)."""

    def __init__(self):
        super().__init__()
        self.backbone = SplitMaskViT(arch=TINY, img_size=32)
        self.neck = nn.ModuleDict({'decoder': SplitMaskDecoder(64, 4, num_layers=1)})


def construct(model, **paramwise_cfg):
    from mmsplitmask.engine.layer_decay import LayerDecayOptimWrapperConstructor
    return LayerDecayOptimWrapperConstructor(
        dict(type='OptimWrapper', optimizer=dict(type='AdamW', lr=1e-3, weight_decay=0.05)),
        paramwise_cfg)(model)


def test_groups_keep_every_trainable_tensor_and_log_their_lrs(monkeypatch):
    model = TinyModel()
    model.backbone.patch_embed.requires_grad_(False)  # the first tensors: frozen
    logged = []
    monkeypatch.setattr(MMLogger.get_current_instance(), 'info', logged.append)
    groups = construct(model, layer_decay_rate=0.5).optimizer.param_groups
    names = [n for g in groups for n in g['param_names']]
    assert sorted(names) == sorted(n for n, p in model.named_parameters() if p.requires_grad)
    group_of = {n: g for g in groups for n in g['param_names']}
    # a mask token is never decayed, however deep it sits; lr_scale as mmpretrain's
    assert group_of['neck.decoder.mask_token']['weight_decay'] == 0
    assert all(g['lr_scale'] == pytest.approx(g['lr'] / 1e-3) for g in groups)
    lines = logged[0].split('\n')
    assert lines[0] == 'layer-wise lr decay 0.5: depth / lr / weight decay / #tensors'
    assert len(lines) == len(groups) + 1
    assert '    0 1.250e-04 0 2' in lines  # depth 0: cls token and position embedding


def test_without_a_decay_rate_every_lr_is_the_base_lr(monkeypatch):
    logged = []
    monkeypatch.setattr(MMLogger.get_current_instance(), 'info', logged.append)
    groups = construct(TinyModel(), bias_decay_mult=1.0).optimizer.param_groups
    assert {g['lr'] for g in groups} == {1e-3}
    assert logged[0].startswith('layer-wise lr decay 1.0:')


@pytest.mark.parametrize('backbone', [None, nn.Linear(2, 2)], ids=['none', 'no depths'])
def test_a_model_without_layer_depths_is_refused(backbone):
    model = nn.Module()
    if backbone is not None:
        model.backbone = backbone
    with pytest.raises(TypeError, match=r'^LayerDecayOptimWrapperConstructor needs '
                       r'model\.backbone with get_layer_depth\(\), e\.g\. SplitMaskViT$'):
        construct(model, layer_decay_rate=0.5)
