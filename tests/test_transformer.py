"""The fused transformer block computes what the textbook pre-norm block does."""
import torch
import torch.nn.functional as F
from mmcv.cnn.bricks import DropPath

from mmsplitmask.models import SplitMaskDecoder
from mmsplitmask.models.transformer import TransformerBlock


def reference_block(block, x, drop_path):
    """Pre-norm block written out: explicit softmax attention, mmcv's DropPath."""
    attn, heads = block.attn, block.attn.num_heads
    b, n, c = x.shape
    qkv = attn.qkv(block.norm1(x)).reshape(b, n, 3, heads, c // heads).permute(2, 0, 3, 1, 4)
    q, k, v = qkv[0], qkv[1], qkv[2]
    weights = (q @ k.transpose(-2, -1) / (c // heads)**0.5).softmax(dim=-1)
    y = attn.proj((weights @ v).transpose(1, 2).reshape(b, n, c))
    x = x + drop_path(block.ls1(y))
    mlp = block.mlp
    return x + drop_path(block.ls2(mlp.fc2(F.gelu(mlp.fc1(block.norm2(x))))))


def test_block_matches_reference_with_same_drop_path_draws():
    torch.manual_seed(0)
    block = TransformerBlock(32, 4, drop_path=0.5, layer_scale_init_value=0.1).train()
    x = torch.randn(8, 10, 32, requires_grad=True)
    torch.manual_seed(1)
    out = block(x)
    out.square().sum().backward()
    got = x.grad.clone()
    x.grad = None
    torch.manual_seed(1)
    want = reference_block(block, x, DropPath(0.5).train())
    want.square().sum().backward()
    torch.testing.assert_close(out, want)
    torch.testing.assert_close(got, x.grad)
    dropped = (out - x).flatten(1).abs().sum(1) == 0  # seed 1 drops some samples' branches
    assert 0 < dropped.sum() < 8
    block.eval()  # no drop path in eval
    torch.testing.assert_close(block(x), reference_block(block, x, torch.nn.Identity()))


def test_decoder_checkpointing_gives_the_same_outputs_and_gradients():
    torch.manual_seed(0)
    plain = SplitMaskDecoder(32, 4, num_layers=2)
    plain.init_weights()
    ckpt = SplitMaskDecoder(32, 4, num_layers=2, with_cp=True)
    ckpt.load_state_dict(plain.state_dict())
    latent = torch.randn(4, 1 + 3, 32, requires_grad=True)  # 4 sequences, cls + 3 visible
    visible = torch.tensor([[0, 2, 4], [1, 3, 5], [1, 2, 3], [0, 4, 5]])
    pos = torch.randn(1, 6, 32)
    results = []
    for decoder in (plain, ckpt):
        latent.grad = None
        out = decoder(latent, visible, pos)
        out.square().sum().backward()
        results.append((out, latent.grad.clone(), decoder.blocks[0].mlp.fc1.weight.grad))
    for got, want in zip(results[1], results[0]):
        torch.testing.assert_close(got, want)


def test_decoder_defaults_two_blocks_of_the_encoder_kind():
    decoder = SplitMaskDecoder(embed_dims=32, num_heads=4)
    assert len(decoder.blocks) == 2 and decoder.norm.eps == 1e-6
    assert decoder.with_cp is False and decoder.init_cfg is None
    assert SplitMaskDecoder(32, 4, with_cp=True, init_cfg=dict(type='Pretrained')).with_cp
    assert SplitMaskDecoder(32, 4, init_cfg=dict(type='Pretrained')).init_cfg == dict(
        type='Pretrained')
    wide = SplitMaskDecoder(embed_dims=4096, num_heads=4, num_layers=1)
    wide.init_weights()
    assert 0.015 < float(wide.mask_token.std()) < 0.025  # trunc_normal_(std=0.02)
    block = decoder.blocks[0]
    assert block.mlp.fc1.out_features == 4 * 32 and block.attn.num_heads == 4
    assert isinstance(block.ls1, torch.nn.Identity)  # no layer scale unless asked
    scaled = SplitMaskDecoder(embed_dims=32, num_heads=4, mlp_ratio=2.0, num_layers=1,
                              layer_scale_init_value=0.1)
    assert len(scaled.blocks) == 1 and scaled.blocks[0].mlp.fc1.out_features == 64
    assert torch.equal(scaled.blocks[0].ls1.gamma, torch.full((32, ), 0.1))
