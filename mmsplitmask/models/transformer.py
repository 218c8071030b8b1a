"""Pre-norm transformer block with torch's fused scaled_dot_product_attention."""
import torch
import torch.nn.functional as F
from mmcv.cnn.bricks import DropPath
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
        q, k, v = qkv.permute(2, 0, 3, 1, 4).unbind(0)
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
        self.drop_path = DropPath(drop_path) if drop_path > 0 else nn.Identity()

    def forward(self, x):
        x = x + self.drop_path(self.ls1(self.attn(self.norm1(x))))
        return x + self.drop_path(self.ls2(self.mlp(self.norm2(x))))
