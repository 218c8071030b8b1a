"""Pre-norm transformer block with torch's fused scaled_dot_product_attention."""
import torch
import torch.nn.functional as F
from torch import nn


class Attention(nn.Module):

    def __init__(self, dims, num_heads, qkv_bias=True):
        super().__init__()
        if dims % num_heads:
            raise ValueError(f'embed_dims {dims} is not divisible by num_heads {num_heads}')
        self.num_heads = num_heads
        self.qkv = nn.Linear(dims, dims * 3, bias=qkv_bias)
        self.proj = nn.Linear(dims, dims)

    def forward(self, x):
        batch, length, dims = x.shape
        qkv = self.qkv(x).view(batch, length, 3, self.num_heads, dims // self.num_heads)
        # Split on dim 2 and transpose: SDPA's gradients come back laid out (B, L, H, D),
        # so the split's backward is one stack into qkv's layout, with no permute copy.
        q, k, v = (t.transpose(1, 2) for t in qkv.unbind(2))
        x = F.scaled_dot_product_attention(q, k, v)
        return self.proj(x.transpose(1, 2).reshape(batch, length, dims))


class Mlp(nn.Module):

    def __init__(self, dims, hidden_dims):
        super().__init__()
        self.fc1 = nn.Linear(dims, hidden_dims)
        self.act = nn.GELU()
        self.fc2 = nn.Linear(hidden_dims, dims)

    def forward(self, x):
        return self.fc2(self.act(self.fc1(x)))


class LayerScale(nn.Module):

    def __init__(self, dims, init_value):
        super().__init__()
        self.gamma = nn.Parameter(init_value * torch.ones(dims))

    def forward(self, x):
        return x * self.gamma


class TransformerBlock(nn.Module):

    def __init__(self, dims, num_heads, mlp_ratio=4.0, qkv_bias=True, drop_path=0.0,
                 layer_scale_init_value=0.0):
        super().__init__()
        self.norm1 = nn.LayerNorm(dims, eps=1e-6)
        self.attn = Attention(dims, num_heads, qkv_bias)
        self.norm2 = nn.LayerNorm(dims, eps=1e-6)
        self.mlp = Mlp(dims, int(dims * mlp_ratio))
        scale = layer_scale_init_value > 0
        self.ls1 = LayerScale(dims, layer_scale_init_value) if scale else nn.Identity()
        self.ls2 = LayerScale(dims, layer_scale_init_value) if scale else nn.Identity()
        self.drop_path = drop_path

    def residual(self, x, branch):
        """x + drop_path(branch): stochastic depth (timm/mmcv's, same random draws)
        fused into the residual add as one addcmul, instead of a div, a mul and an add."""
        if self.drop_path == 0 or not self.training:
            return x + branch
        keep = 1 - self.drop_path
        shape = (branch.shape[0], ) + (1, ) * (branch.ndim - 1)
        scale = (keep + torch.rand(shape, dtype=branch.dtype, device=branch.device)).floor_()
        return torch.addcmul(x, branch, scale.div_(keep))

    def forward(self, x):
        x = self.residual(x, self.ls1(self.attn(self.norm1(x))))
        return self.residual(x, self.ls2(self.mlp(self.norm2(x))))
