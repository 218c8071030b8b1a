"""Relative position bias for attention over a 2-D token grid, two kinds.

``decomposed`` (ViTDet, Li et al. 2022): per block, a height table and a width table
of 2S-1 rows (one per offset, head_dim wide, shared by the heads). The bias of query
(i, j) on key (k, l) is q . Rh[i - k] + q . Rw[j - l]. Zero-initialised, so a
checkpoint without them starts from exactly its pre-trained attention. Tables of
another length are resized linearly to 2n-1 rows for an n-long side.

``beit`` (Bao et al. 2021): per block, one table of (2H-1)(2W-1) offsets + 3 rows
(class token to patch, patch to class token, class token to itself) by num_heads; the
bias does not depend on q. For another grid the offset part is resized bicubically.
"""
import torch
import torch.nn.functional as F
from torch import nn


def resize_rel_table(table, length):
    """(n, C) -> (length, C), linear along the offset axis (ViTDet's rule)."""
    if table.shape[0] == length:
        return table
    resized = F.interpolate(table.t()[None].float(), size=length, mode='linear',
                            align_corners=False)
    return resized[0].t().to(table.dtype)


def rel_offsets(size, device=None):
    """(size, size) indices i - j + size - 1 into a table of 2*size-1 offsets."""
    pos = torch.arange(size, device=device)
    return pos[:, None] - pos[None, :] + size - 1


def lookup_rel_table(table, size):
    """The (size, size, C) entries of ``table`` for query i and key j on a side of
    ``size`` tokens: the table is first resized to 2*size-1 rows."""
    return resize_rel_table(table, 2 * size - 1)[rel_offsets(size, table.device)]


class DecomposedRelPos(nn.Module):
    """ViTDet's bias for self-attention on an (h, w) grid (no prefix tokens)."""

    def __init__(self, head_dims, size):
        super().__init__()
        size = (size, size) if isinstance(size, int) else tuple(size)
        self.h = nn.Parameter(torch.zeros(2 * size[0] - 1, head_dims))
        self.w = nn.Parameter(torch.zeros(2 * size[1] - 1, head_dims))

    def forward(self, q, grid_hw):
        """q: (B, heads, h*w, d) -> additive bias (B, heads, h*w, h*w)."""
        h, w = grid_hw
        if q.shape[2] != h * w:
            raise ValueError(f'decomposed relative position bias needs exactly the {h}x{w} '
                             f'grid tokens, got {q.shape[2]} (no class token in ViTDet)')
        batch, heads, _, dims = q.shape
        grid_q = q.reshape(batch, heads, h, w, dims)
        rel_h = torch.einsum('bnhwc,hkc->bnhwk', grid_q, lookup_rel_table(self.h, h).to(q))
        rel_w = torch.einsum('bnhwc,wkc->bnhwk', grid_q, lookup_rel_table(self.w, w).to(q))
        bias = rel_h[..., :, None] + rel_w[..., None, :]  # (B, n, h, w, kh, kw)
        return bias.reshape(batch, heads, h * w, h * w)


def beit_rel_index(grid_hw, device=None):
    """BEiT's (1+h*w, 1+h*w) index into a ((2h-1)(2w-1) + 3)-row table."""
    h, w = grid_hw
    ys, xs = torch.meshgrid(torch.arange(h, device=device), torch.arange(w, device=device),
                            indexing='ij')
    ys, xs = ys.reshape(-1), xs.reshape(-1)
    offsets = ((ys[:, None] - ys[None, :] + h - 1) * (2 * w - 1)
               + xs[:, None] - xs[None, :] + w - 1)
    num = (2 * h - 1) * (2 * w - 1)
    index = torch.empty(1 + h * w, 1 + h * w, dtype=torch.long, device=device)
    index[1:, 1:] = offsets
    index[0, 1:] = num  # class token attends to a patch
    index[1:, 0] = num + 1  # patch attends to the class token
    index[0, 0] = num + 2
    return index


def resize_beit_table(table, src_hw, dst_hw):
    """Resize the offset part of a BEiT table from grid ``src_hw`` to ``dst_hw``."""
    if tuple(src_hw) == tuple(dst_hw):
        return table
    heads = table.shape[1]
    src = (2 * src_hw[0] - 1, 2 * src_hw[1] - 1)
    dst = (2 * dst_hw[0] - 1, 2 * dst_hw[1] - 1)
    grid = table[:-3].t().reshape(1, heads, *src)
    grid = F.interpolate(grid.float(), size=dst, mode='bicubic', align_corners=False)
    return torch.cat([grid[0].reshape(heads, -1).t().to(table.dtype), table[-3:]])


class BEiTRelPos(nn.Module):
    """BEiT's per-block bias, for a class token plus an (h, w) grid (or the grid alone)."""

    def __init__(self, num_heads, grid_hw):
        super().__init__()
        self.grid_hw = tuple(grid_hw)
        rows = (2 * grid_hw[0] - 1) * (2 * grid_hw[1] - 1) + 3
        self.table = nn.Parameter(torch.zeros(rows, num_heads))

    def forward(self, q, grid_hw):
        """-> additive bias (1, heads, L, L) for L = q.shape[2] tokens."""
        table = resize_beit_table(self.table, self.grid_hw, grid_hw)
        index = beit_rel_index(grid_hw, q.device)
        prefix = q.shape[2] - grid_hw[0] * grid_hw[1]
        if prefix not in (0, 1):
            raise ValueError(f'BEiT relative position bias takes 0 or 1 class token, got {prefix}')
        index = index[1 - prefix:, 1 - prefix:]
        return table[index].permute(2, 0, 1)[None].to(q.dtype)

