"""Position embeddings at any grid size, in torch (scipy's interp2d is gone)."""
import torch
import torch.nn.functional as F


def resize_pos_embed(pos_embed, src_hw, dst_hw, mode='bicubic'):
    """Resize a (1, h*w, C) patch position table from grid ``src_hw`` to ``dst_hw``."""
    src_hw, dst_hw = tuple(src_hw), tuple(dst_hw)
    if src_hw == dst_hw:
        return pos_embed
    dims = pos_embed.shape[-1]
    grid = pos_embed.reshape(1, *src_hw, dims).permute(0, 3, 1, 2)
    grid = F.interpolate(grid.float(), size=dst_hw, mode=mode, align_corners=False)
    return grid.to(pos_embed.dtype).flatten(2).transpose(1, 2)


def sincos_pos_embed_2d(grid_hw, dims, temperature=10000.0):
    """Fixed 2-D sine-cosine embedding (1, h*w, dims): half the channels per axis."""
    if dims % 4:
        raise ValueError(f'sincos position embedding needs embed_dims % 4 == 0, got {dims}')
    h, w = grid_hw
    ys, xs = torch.meshgrid(torch.arange(h, dtype=torch.float32),
                            torch.arange(w, dtype=torch.float32), indexing='ij')
    omega = 1.0 / temperature**(torch.arange(dims // 4, dtype=torch.float32) / (dims // 4))
    out_y = ys.reshape(-1, 1) * omega
    out_x = xs.reshape(-1, 1) * omega
    table = torch.cat([out_x.sin(), out_x.cos(), out_y.sin(), out_y.cos()], dim=1)
    return table.unsqueeze(0)
