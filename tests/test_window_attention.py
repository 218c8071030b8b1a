"""ViTDet's attention on our ViT: windows, padding, decomposed and BEiT relative bias,
checked against plain attention and brute-force loops on tiny maps."""
import pytest
import torch
from mmengine.logging import MMLogger

from mmsplitmask.models import SplitMaskViT
from mmsplitmask.models.rel_pos import (beit_rel_index, lookup_rel_table, resize_beit_table,
                                        resize_rel_table)
from mmsplitmask.models.transformer import Attention
from mmsplitmask.models.window_attention import SpatialAttention

DIMS, HEADS = 16, 2


def attention(seed=0, **kwargs):
    torch.manual_seed(seed)
    attn = SpatialAttention(DIMS, HEADS, **kwargs)
    with torch.no_grad():
        for p in attn.parameters():
            p.normal_(0, 0.5)  # non-zero relative tables too
    return attn


def same_weights(src, dst):
    dst.load_state_dict(src.state_dict(), strict=False)
    return dst


def tokens(h, w, batch=2, seed=1):
    return torch.randn(batch, h * w, DIMS, generator=torch.Generator().manual_seed(seed))


def test_window_covering_the_map_equals_global_attention():
    windowed = attention(window_size=6, rel_pos='decomposed', rel_pos_size=(6, 6))
    global_ = same_weights(windowed, SpatialAttention(DIMS, HEADS, rel_pos='decomposed',
                                                      rel_pos_size=(6, 6)))
    x = tokens(6, 6)
    torch.testing.assert_close(windowed(x, (6, 6)), global_(x, (6, 6)))


@pytest.mark.parametrize('rel_pos', ['decomposed', 'beit'])
def test_zero_tables_equal_plain_attention(rel_pos):
    attn = attention(rel_pos=rel_pos, rel_pos_size=(3, 4))
    torch.nn.init.zeros_(attn.rel_pos.h if rel_pos == 'decomposed' else attn.rel_pos.table)
    if rel_pos == 'decomposed':
        torch.nn.init.zeros_(attn.rel_pos.w)
    plain = same_weights(attn, Attention(DIMS, HEADS))
    x = tokens(3, 4)
    torch.testing.assert_close(attn(x, (3, 4)), plain(x))


def brute_force(attn, x, grid_hw, bias_of):
    """Attention of every query on every key, one pair at a time; ``bias_of(b, n, q, k,
    qi, ki)`` gives the additive bias of query token qi on key token ki."""
    batch, length, dims = x.shape
    d = dims // HEADS
    q, k, v = attn.qkv(x).view(batch, length, 3, HEADS, d).unbind(2)
    out = torch.zeros(batch, length, HEADS, d)
    for b in range(batch):
        for n in range(HEADS):
            for i in range(length):
                logits = torch.stack([
                    q[b, i, n] @ k[b, j, n] / d**0.5 + bias_of(b, n, q[b, i, n], i, j)
                    for j in range(length)])
                out[b, i, n] = logits.softmax(0) @ v[b, :, n]
    return attn.proj(out.reshape(batch, length, dims))


def test_decomposed_tables_match_a_brute_force_loop():
    h, w = 3, 4
    attn = attention(rel_pos='decomposed', rel_pos_size=(h, w))
    x = tokens(h, w)
    table_h, table_w = attn.rel_pos.h, attn.rel_pos.w  # 5 and 7 rows: no resizing

    def bias_of(b, n, q, i, j):
        (qi, qj), (ki, kj) = divmod(i, w), divmod(j, w)
        return q @ table_h[qi - ki + h - 1] + q @ table_w[qj - kj + w - 1]
    with torch.no_grad():
        torch.testing.assert_close(attn(x, (h, w)), brute_force(attn, x, (h, w), bias_of),
                                   atol=1e-4, rtol=1e-4)


def test_beit_table_matches_a_brute_force_loop_with_class_token():
    h, w = 2, 3
    attn = attention(rel_pos='beit', rel_pos_size=(h, w))
    x = torch.randn(2, 1 + h * w, DIMS)
    table = attn.rel_pos.table  # (2h-1)(2w-1) offsets, then cls->patch, patch->cls, cls->cls
    offsets = (2 * h - 1) * (2 * w - 1)

    def bias_of(b, n, q, i, j):
        if i == 0 or j == 0:
            row = offsets + (2 if i == j else 0 if i == 0 else 1)
        else:
            (qi, qj), (ki, kj) = divmod(i - 1, w), divmod(j - 1, w)
            row = (qi - ki + h - 1) * (2 * w - 1) + qj - kj + w - 1
        return table[row, n]
    with torch.no_grad():
        torch.testing.assert_close(attn(x, (h, w)), brute_force(attn, x, (h, w), bias_of),
                                   atol=1e-4, rtol=1e-4)


def test_table_lookup_and_linear_resizing():
    table = torch.arange(5.0)[:, None]  # offsets -2..2 on a side of 3
    entries = lookup_rel_table(table, 3)[..., 0]
    assert entries.tolist() == [[2, 1, 0], [3, 2, 1], [4, 3, 2]]  # row i - j + 2
    # 3 rows -> 5: sample points (i + 0.5) * 3/5 - 0.5, clamped at the ends (by hand)
    resized = resize_rel_table(torch.tensor([[0.0], [2.0], [4.0]]), 5)[:, 0]
    torch.testing.assert_close(resized, torch.tensor([0.0, 0.8, 2.0, 3.2, 4.0]))
    assert lookup_rel_table(table, 2).shape == (2, 2, 1)  # 5 rows resized to 3
    # BEiT: the class-token rows stay, the offset grid is resized; the index covers it
    beit = torch.randn(3 * 5 + 3, 4)
    bigger = resize_beit_table(beit, (2, 3), (4, 4))
    assert bigger.shape == (7 * 7 + 3, 4) and torch.equal(bigger[-3:], beit[-3:])
    assert beit_rel_index((4, 4)).max() == 7 * 7 + 2
    torch.testing.assert_close(resize_beit_table(beit, (2, 3), (2, 3)), beit)


def test_padded_windows_are_zero_tokens_that_attend_and_are_cut_off():
    """A 5x7 map in 4x4 windows is padded to 8x8 with zero tokens (after norm1), which
    are keys like any other; the output equals that of the padded map, cropped. A window
    without padding equals attention on its crop alone."""
    attn = attention(window_size=4, rel_pos='decomposed', rel_pos_size=(4, 4))
    x = tokens(5, 7).view(2, 5, 7, DIMS)
    out = attn(x.reshape(2, 35, DIMS), (5, 7)).view(2, 5, 7, DIMS)
    padded = torch.zeros(2, 8, 8, DIMS)
    padded[:, :5, :7] = x
    full = attn(padded.reshape(2, 64, DIMS), (8, 8)).view(2, 8, 8, DIMS)
    torch.testing.assert_close(out, full[:, :5, :7])
    corner = attn.attend(x[:, :4, :4].reshape(2, 16, DIMS), (4, 4)).view(2, 4, 4, DIMS)
    torch.testing.assert_close(out[:, :4, :4], corner)


VITDET_TINY = dict(arch=dict(embed_dims=32, num_layers=3, num_heads=2), img_size=64,
                   window_size=3, global_blocks=(2, ), rel_pos='decomposed',
                   rel_pos_map_size=6, with_cls_token=False, final_norm=False,
                   out_type='featmap')


def test_vitdet_backbone_maps_checkpointing_and_layout():
    torch.manual_seed(0)
    vit = SplitMaskViT(**VITDET_TINY, drop_path_rate=0.0)
    vit.init_weights()
    assert [b.attn.window_size for b in vit.blocks] == [3, 3, 0]
    assert vit.blocks[0].attn.rel_pos.h.shape == (5, 16)  # 2 * window - 1
    assert vit.blocks[2].attn.rel_pos.h.shape == (11, 16)  # 2 * map size - 1
    assert vit.cls_token is None and vit.norm is None
    images = torch.randn(2, 3, 80, 112)  # a 5x7 map: padded windows, resized tables
    for p in vit.parameters():
        p.data.add_(torch.randn_like(p) * 0.01)
    out = vit.train()(images)[-1]
    assert out.shape == (2, 32, 5, 7)
    out.square().sum().backward()
    grads = {n: p.grad.clone() for n, p in vit.named_parameters()}
    vit.zero_grad()
    vit.with_cp = True
    torch.testing.assert_close(vit(images)[-1], out)
    vit(images)[-1].square().sum().backward()
    for name, param in vit.named_parameters():
        torch.testing.assert_close(param.grad, grads[name], msg=name)
    assert grads['blocks.0.attn.rel_pos.h'].abs().sum() > 0
    assert grads['blocks.2.attn.rel_pos.w'].abs().sum() > 0
    with pytest.raises(ValueError, match='with_cls_token=False'):
        SplitMaskViT(**dict(VITDET_TINY, with_cls_token=True))


def test_plain_checkpoint_loads_with_new_and_unused_keys_named(tmp_path):
    """A plain ViT checkpoint (sin-cos positions, class token, final norm) loads into
    the ViTDet layout: the relative tables are new (zero), cls_token and norm unused,
    the learnable positions start from sin-cos; anything else still fails."""
    plain = SplitMaskViT(arch=VITDET_TINY['arch'], img_size=64, pos_embed='sincos')
    path = tmp_path / 'plain.pth'
    torch.save({'state_dict': {f'backbone.{k}': v for k, v in plain.state_dict().items()}},
               path)
    init = dict(type='Pretrained', checkpoint=str(path), prefix='backbone.',
                pos_embed_init='sincos')
    logger = MMLogger.get_instance('vitdet_loading', log_file=str(tmp_path / 'load.log'))
    vit = SplitMaskViT(**VITDET_TINY, init_cfg=init)
    vit.init_weights()
    message = (tmp_path / 'load.log').read_text()
    assert logger is MMLogger.get_current_instance()
    assert "unused by this architecture: ['cls_token', 'norm.bias', 'norm.weight']" in message
    assert ('new in this architecture (zero-initialised): [' + ', '.join(
        f"'blocks.{i}.attn.rel_pos.{t}'" for i in range(3) for t in 'hw') + ']') in message
    assert 'starts from sincos' in message
    assert all(not p.any() for n, p in vit.named_parameters() if '.rel_pos.' in n)
    torch.testing.assert_close(vit.blocks[1].mlp.fc1.weight, plain.blocks[1].mlp.fc1.weight)
    torch.testing.assert_close(vit.patch_pos_embed((4, 4)), plain.patch_pos_embed((4, 4)))
    from mmsplitmask.models.checkpoint_loading import CheckpointMismatchError
    with pytest.raises(CheckpointMismatchError, match='pos_embed'):  # no init rule given
        SplitMaskViT(**VITDET_TINY, init_cfg=dict(init, pos_embed_init=None)).init_weights()
