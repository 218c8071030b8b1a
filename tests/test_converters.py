"""tools/model_converters/convert_vit.py: public ViT layouts -> SplitMaskViT keys.

Source models are built locally with random weights; a conversion is right when
SplitMaskViT loaded from its output (init_cfg Pretrained) computes the same tokens.
"""
import importlib.util
import os.path as osp

import pytest
import torch
from conftest import ROOT, TINY, run_tool

from mmsplitmask.models import SplitMaskViT

TOOL = 'tools/model_converters/convert_vit.py'
IMAGES = torch.randn(2, 3, 64, 64, generator=torch.Generator().manual_seed(0))

_spec = importlib.util.spec_from_file_location('convert_vit', osp.join(ROOT, TOOL))
convert_vit = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(convert_vit)


def perturbed(model, seed=0):
    """Random weights everywhere (biases, norms, layer scales too), eval mode."""
    torch.manual_seed(seed)
    with torch.no_grad():
        for param in model.parameters():
            param.add_(torch.randn_like(param) * 0.1)
    return model.eval()


def timm_vit(**kwargs):
    from timm.models.vision_transformer import VisionTransformer
    torch.manual_seed(0)
    return perturbed(VisionTransformer(img_size=64, patch_size=16, embed_dim=64, depth=2,
                                       num_heads=4, num_classes=0, **kwargs))


def our_vit(checkpoint, **kwargs):
    vit = SplitMaskViT(arch=TINY, img_size=64, out_type='raw',
                       init_cfg=dict(type='Pretrained', checkpoint=str(checkpoint)), **kwargs)
    vit.init_weights()
    return vit.eval()


def assert_same_tokens(vit, reference_tokens):
    with torch.no_grad():
        torch.testing.assert_close(vit(IMAGES)[-1], reference_tokens, atol=1e-5, rtol=1e-4)


def convert(tmp_path, source, layout, *options):
    """Save ``source``, convert it in-process; returns the output path."""
    src, dst = tmp_path / f'{layout}_src.pth', tmp_path / f'{layout}.pth'
    torch.save(source, src)
    convert_vit.main([str(src), str(dst), '--layout', layout, *options])
    return dst


def refusal(tmp_path, source, layout, *options):
    """Convert expecting a refusal; returns the error message."""
    with pytest.raises(SystemExit) as exc:
        convert(tmp_path, source, layout, *options)
    assert not (tmp_path / f'{layout}.pth').exists()
    return str(exc.value.code)


def test_deit_release_through_cli_gives_timm_features(tmp_path):
    model = timm_vit()
    state = dict(model.state_dict(), **{'head.weight': torch.randn(10, 64),
                                        'head.bias': torch.randn(10)})
    src, dst = tmp_path / 'deit.pth', tmp_path / 'out' / 'converted.pth'
    torch.save({'model': state}, src)
    _, output = run_tool(TOOL, str(src), str(dst), '--layout', 'deit')
    assert 'blocks.1.attn.qkv.weight -> blocks.1.attn.qkv.weight' in output
    assert 'dropped on purpose (2):\n  head.weight\n  head.bias' in output
    saved = torch.load(dst, map_location='cpu', weights_only=True)
    assert saved['meta'] == {'converted_from': str(src), 'layout': 'deit'}
    assert set(saved['state_dict']) == set(model.state_dict())
    with torch.no_grad():
        reference = model.forward_features(IMAGES)  # (B, 1 + N, C) after the final norm
    assert_same_tokens(our_vit(dst), reference)


def test_unknown_keys_are_refused_by_name(tmp_path):
    state = dict(timm_vit().state_dict(), **{'norm_pre.weight': torch.ones(64),
                                             'reg_token': torch.zeros(1, 4, 64)})
    src, dst = tmp_path / 'odd.pth', tmp_path / 'out.pth'
    torch.save(state, src)
    code, output = run_tool(TOOL, str(src), str(dst), '--layout', 'timm', check=False)
    assert code != 0
    error = output[output.index('error:'):]
    assert str(src) in error and 'norm_pre.weight' in error and 'reg_token' in error
    assert not dst.exists()


def test_distilled_deit_is_refused(tmp_path):
    state = dict(timm_vit().state_dict(), dist_token=torch.zeros(1, 1, 64),
                 **{'head_dist.weight': torch.zeros(10, 64)})
    assert 'dist_token' in refusal(tmp_path, {'model': state}, 'deit')


def beit_release(model):
    """timm weights renamed as the unilm BEiT code names them (no k bias)."""
    state = {}
    for key, value in model.state_dict().items():
        if key.endswith('attn.qkv.bias'):
            q, k, v = value.chunk(3)
            assert not k.any()
            state[key.replace('qkv.bias', 'q_bias')] = q
            state[key.replace('qkv.bias', 'v_bias')] = v
        else:
            state[key.replace('ls1.gamma', 'gamma_1').replace('ls2.gamma', 'gamma_2')] = value
    state.update({'mask_token': torch.zeros(1, 1, 64), 'lm_head.weight': torch.randn(100, 64),
                  'lm_head.bias': torch.randn(100),
                  'rel_pos_bias.relative_position_bias_table': torch.randn(10, 4),
                  'rel_pos_bias.relative_position_index': torch.zeros(17, 17, dtype=torch.long)})
    return {'model': state}


def test_beit_release_maps_qv_bias_and_layer_scale(tmp_path, capsys):
    model = timm_vit(init_values=0.1)
    with torch.no_grad():
        for block in model.blocks:
            block.attn.qkv.bias[64:128] = 0  # BEiT has no k bias
    source = beit_release(model)
    dst = convert(tmp_path, source, 'beit', '--drop-rel-pos')
    output = capsys.readouterr().out
    assert ('blocks.0.attn.q_bias + blocks.0.attn.v_bias -> blocks.0.attn.qkv.bias' in output)
    for dropped in ('mask_token', 'lm_head.weight', 'rel_pos_bias.relative_position_index',
                    'rel_pos_bias.relative_position_bias_table'):
        assert f'\n  {dropped}\n' in output
    converted = torch.load(dst, weights_only=True)['state_dict']
    for key, value in model.state_dict().items():
        torch.testing.assert_close(converted[key], value, rtol=0, atol=0)
    with torch.no_grad():
        reference = model.forward_features(IMAGES)
    assert_same_tokens(our_vit(dst, layer_scale_init_value=1e-5), reference)


def timm_beit(**kwargs):
    """timm's BEiT (unilm's keys: q_bias/v_bias, gamma_1/2, relative position tables)."""
    from timm.models.beit import Beit
    torch.manual_seed(0)
    return perturbed(Beit(img_size=64, patch_size=16, embed_dim=64, depth=2, num_heads=4,
                          num_classes=0, init_values=0.1, global_pool='token', **kwargs))


@pytest.mark.parametrize('shared', [False, True], ids=['per-block', 'shared'])
def test_beit_relative_position_bias_is_kept_and_gives_beit_features(tmp_path, capsys, shared):
    """timm's BEiT is the reference computation of BEiT attention: per-block tables
    with absolute positions, or one table shared by the blocks (BEiT's pre-training
    release) without them."""
    model = timm_beit(use_abs_pos_emb=not shared, use_rel_pos_bias=not shared,
                      use_shared_rel_pos_bias=shared)
    state = dict(model.state_dict(), mask_token=torch.zeros(1, 1, 64))
    assert any('relative_position_bias_table' in k for k in state)
    dst = convert(tmp_path, {'model': state}, 'beit')
    output = capsys.readouterr().out
    if shared:
        assert ('rel_pos_bias.relative_position_bias_table -> blocks.1.attn.rel_pos.table '
                '(shared table, copied)') in output
    else:
        assert ('blocks.1.attn.relative_position_bias_table -> blocks.1.attn.rel_pos.table'
                in output)
    assert "img_size=64, rel_pos='beit'" in output
    with torch.no_grad():
        reference = model.forward_features(IMAGES)
    init = dict(pos_embed_init='zeros') if shared else {}
    vit = SplitMaskViT(arch=TINY, img_size=64, out_type='raw', rel_pos='beit',
                       layer_scale_init_value=1e-5, init_cfg=dict(
                           type='Pretrained', checkpoint=str(dst), **init))
    vit.init_weights()
    assert_same_tokens(vit.eval(), reference)
    if not shared:  # the tables matter: without them the tokens differ
        dropped = convert(tmp_path, {'model': state}, 'beit', '--drop-rel-pos')
        with pytest.raises(AssertionError):
            assert_same_tokens(our_vit(dropped, layer_scale_init_value=1e-5), reference)


def test_mae_release_drops_the_decoder(tmp_path, capsys):
    model = timm_vit()
    source = {'model': dict(model.state_dict(), mask_token=torch.zeros(1, 1, 32), **{
        'decoder_embed.weight': torch.zeros(32, 64), 'decoder_pos_embed': torch.zeros(1, 17, 32),
        'decoder_blocks.0.norm1.weight': torch.ones(32), 'decoder_pred.bias': torch.zeros(768)})}
    dst = convert(tmp_path, source, 'mae')
    assert 'dropped on purpose (5):' in capsys.readouterr().out
    assert set(torch.load(dst, weights_only=True)['state_dict']) == set(model.state_dict())


def test_mmpretrain_vision_transformer_gives_same_features(tmp_path):
    from mmpretrain.models import VisionTransformer
    torch.manual_seed(0)
    model = VisionTransformer(
        arch=dict(embed_dims=64, num_layers=2, num_heads=4, feedforward_channels=256),
        img_size=64, patch_size=16, out_type='raw', with_cls_token=True, final_norm=True,
        layer_scale_init_value=0.1)  # default norm_cfg: LN with eps=1e-6, as ours
    model.init_weights()
    perturbed(model)
    state = {f'backbone.{k}': v for k, v in model.state_dict().items()}
    state.update({'head.fc.weight': torch.randn(10, 64), 'head.fc.bias': torch.randn(10)})
    dst = convert(tmp_path, {'state_dict': state, 'meta': {}}, 'mmpretrain')
    with torch.no_grad():
        reference = model(IMAGES)[-1]
    assert_same_tokens(our_vit(dst, layer_scale_init_value=1e-5), reference)


def test_splitmask_checkpoint_keeps_only_the_backbone(tmp_path, capsys):
    torch.manual_seed(0)
    backbone = SplitMaskViT(arch=TINY, img_size=64).state_dict()
    state = {f'backbone.{k}': v for k, v in backbone.items()}
    others = {'backbone.mask_token': torch.zeros(1, 1, 64),
              'neck.mask_token': torch.zeros(1, 1, 64),
              'neck.blocks.0.norm1.weight': torch.ones(64),
              'head.cls_head.weight': torch.zeros(8, 64),
              'target_generator.codebook': torch.zeros(8, 768)}
    dst = convert(tmp_path, {'state_dict': dict(state, **others), 'meta': {'epoch': 1}},
                  'splitmask')
    output = capsys.readouterr().out
    assert all(f'\n  {key}\n' in output for key in others)
    converted = torch.load(dst, weights_only=True)['state_dict']
    assert converted.keys() == backbone.keys()
    assert all(torch.equal(converted[k], v) for k, v in backbone.items())
    our_vit(dst)  # loads with prefix None
