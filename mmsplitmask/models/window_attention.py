"""Blocks that see their tokens as a 2-D grid: window attention and relative position
bias (ViTDet, BEiT). Same parameter names as ``TransformerBlock`` plus
``attn.rel_pos.*``, so plain ViT checkpoints load into them.

Windows are padded as in detectron2's ViTDet: the normalised tokens of an (h, w) map
are zero-padded at the bottom and right to multiples of the window size, the padding
tokens take part in attention like any other (no mask), and their outputs are cut off.
"""
import torch.nn.functional as F

from .rel_pos import DecomposedRelPos, BEiTRelPos
from .transformer import Attention, TransformerBlock


def window_partition(x, window):
    """(B, h, w, C) -> (B * windows, window*window, C) and the padded (H, W)."""
    batch, h, w, dims = x.shape
    pad_h, pad_w = (-h) % window, (-w) % window
    if pad_h or pad_w:
        x = F.pad(x, (0, 0, 0, pad_w, 0, pad_h))
    ph, pw = h + pad_h, w + pad_w
    x = x.view(batch, ph // window, window, pw // window, window, dims)
    return x.transpose(2, 3).reshape(-1, window * window, dims), (ph, pw)


def window_reverse(windows, window, padded_hw, grid_hw):
    """Inverse of ``window_partition``: (B * windows, window*window, C) -> (B, h*w, C)."""
    (ph, pw), (h, w) = padded_hw, grid_hw
    dims = windows.shape[-1]
    x = windows.view(-1, ph // window, pw // window, window, window, dims).transpose(2, 3)
    x = x.reshape(-1, ph, pw, dims)[:, :h, :w]
    return x.reshape(x.shape[0], h * w, dims)


class SpatialAttention(Attention):
    """Attention over a grid, globally or in windows, with an optional relative bias.

    Args:
        window_size: 0 for global attention, else the side of the square windows.
        rel_pos: None, 'decomposed' or 'beit'.
        rel_pos_size: the grid the tables are sized for: (h, w) (the window for
            windowed blocks; the detection map or the pre-training grid otherwise).
    """

    def __init__(self, dims, num_heads, qkv_bias=True, window_size=0, rel_pos=None,
                 rel_pos_size=(14, 14)):
        super().__init__(dims, num_heads, qkv_bias)
        self.window_size = window_size
        if rel_pos == 'decomposed':
            self.rel_pos = DecomposedRelPos(dims // num_heads, rel_pos_size)
        elif rel_pos == 'beit':
            self.rel_pos = BEiTRelPos(num_heads, rel_pos_size)
        elif rel_pos is None:
            self.rel_pos = None
        else:
            raise ValueError(f"rel_pos must be None, 'decomposed' or 'beit', got {rel_pos!r}")

    def forward(self, x, grid_hw):
        """x: (B, P + h*w, C), P prefix (class) tokens before the grid's tokens."""
        if not self.window_size:
            return self.attend(x, grid_hw)
        batch, length, dims = x.shape
        if length != grid_hw[0] * grid_hw[1]:
            raise ValueError('window attention takes the grid tokens only (no class token): '
                             'build the backbone with with_cls_token=False')
        windows, padded_hw = window_partition(x.view(batch, *grid_hw, dims), self.window_size)
        out = self.attend(windows, (self.window_size, self.window_size))
        return window_reverse(out, self.window_size, padded_hw, grid_hw)

    def attend(self, x, grid_hw):
        batch, length, dims = x.shape
        qkv = self.qkv(x).view(batch, length, 3, self.num_heads, dims // self.num_heads)
        q, k, v = (t.transpose(1, 2) for t in qkv.unbind(2))
        bias = None if self.rel_pos is None else self.rel_pos(q, grid_hw)
        x = F.scaled_dot_product_attention(q, k, v, attn_mask=bias)
        return self.proj(x.transpose(1, 2).reshape(batch, length, dims))


class SpatialBlock(TransformerBlock):
    """``TransformerBlock`` with ``SpatialAttention``; forward takes the grid size."""

    def __init__(self, dims, num_heads, mlp_ratio=4.0, qkv_bias=True, drop_path=0.0,
                 layer_scale_init_value=0.0, **attn_kwargs):
        super().__init__(dims, num_heads, mlp_ratio, qkv_bias, drop_path,
                         layer_scale_init_value)
        self.attn = SpatialAttention(dims, num_heads, qkv_bias, **attn_kwargs)

    def forward(self, x, grid_hw):
        x = self.residual(x, self.ls1(self.attn(self.norm1(x), grid_hw)))
        return self.residual(x, self.ls2(self.mlp(self.norm2(x))))
