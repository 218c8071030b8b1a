"""The ViT: batched half-sequences, position embeddings, layer depths."""
import torch
from conftest import TINY

from mmsplitmask.models import SplitMaskViT
from mmsplitmask.models.splitmask import subset_indices



def tiny_vit(**kwargs):
    torch.manual_seed(0)
    vit = SplitMaskViT(arch=TINY, img_size=64, **kwargs)
    vit.init_weights()
    return vit.eval()


def test_batched_halves_equal_separate_encoding():
    vit = tiny_vit()
    images = torch.randn(3, 3, 64, 64)
    subsets = torch.randint(1, 3, (3, 16))
    subsets[:, :8], subsets[:, 8:] = 1, 2
    subsets = subsets[:, torch.randperm(16)]
    vis_a, _ = subset_indices(subsets, 1)
    vis_b, _ = subset_indices(subsets, 2)
    batched = vit(images, torch.cat([vis_a, vis_b]))[-1]
    for i in range(3):
        for half, vis in enumerate((vis_a, vis_b)):
            alone = vit(images[i:i + 1], vis[i:i + 1])[-1]
            torch.testing.assert_close(batched[half * 3 + i], alone[0], atol=1e-5, rtol=1e-5)


def test_subset_indices_lists_visible_then_missing():
    subsets = torch.tensor([[1, 2, 2, 1], [2, 1, 1, 2]])
    vis, pred = subset_indices(subsets, 1)
    assert vis.tolist() == [[0, 3], [1, 2]]
    assert pred.tolist() == [[1, 2], [0, 3]]


def test_full_image_outputs_and_any_size():
    vit = tiny_vit(out_indices=(0, 1), out_type='featmap', pos_embed='learned')
    maps = vit(torch.randn(2, 3, 96, 160))  # non-square, other size than 64x64
    assert [tuple(m.shape) for m in maps] == [(2, 64, 6, 10)] * 2
    sincos = tiny_vit(pos_embed='sincos', out_type='avg_featmap')
    assert sincos(torch.randn(2, 3, 48, 80))[0].shape == (2, 64)


def test_layer_depth():
    vit = tiny_vit()
    assert vit.get_layer_depth('backbone.pos_embed', 'backbone.') == (0, 4)
    assert vit.get_layer_depth('backbone.blocks.1.attn.qkv.weight', 'backbone.') == (2, 4)
    assert vit.get_layer_depth('backbone.norm.weight', 'backbone.') == (3, 4)


def test_frozen_encoder_for_linear_probing():
    vit = tiny_vit(frozen=True, drop_path_rate=0.1).train()
    assert not any(p.requires_grad for p in vit.parameters())
    assert not vit.blocks[0].training  # drop path off although the model is in train mode
    x = torch.randn(1, 3, 64, 64)
    torch.testing.assert_close(vit(x)[-1], vit(x)[-1])
