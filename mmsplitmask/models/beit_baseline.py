"""The BEiT baseline on our ViT, so BEiT(target) and SplitMask share backbone and keys."""
import torch
from mmengine.model.weight_init import trunc_normal_
from torch import nn

from ..registry import register_model
from .vit import SplitMaskViT


@register_model()
class MaskedTokenViT(SplitMaskViT):
    """SplitMaskViT whose forward takes BEiT's (B, h, w) mask: masked patches are
    replaced by a learned mask token before the position embedding is added, as
    mmpretrain's ``BEiT`` algorithm expects of its backbone."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.mask_token = nn.Parameter(torch.zeros(1, 1, self.embed_dims))

    def init_weights(self):
        super().init_weights()
        trunc_normal_(self.mask_token, std=0.02)

    def forward(self, images, mask=None):
        if mask is None:
            return super().forward(images)
        x = self.patch_embed.proj(images)
        grid_hw = tuple(x.shape[-2:])
        x = x.flatten(2).transpose(1, 2)
        w = mask.flatten(1).unsqueeze(-1).to(x.dtype)
        x = x * (1 - w) + self.mask_token * w + self.patch_pos_embed(grid_hw)
        cls = (self.cls_token + self.cls_pos_embed()).expand(x.shape[0], -1, -1)
        return tuple(self.encode(torch.cat([cls, x], dim=1)))
