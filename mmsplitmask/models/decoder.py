"""The shallow inpainting decoder: two transformer blocks at the encoder's width."""
import torch
from mmengine.model import BaseModule
from mmengine.model.weight_init import trunc_normal_
from torch import nn
from torch.utils.checkpoint import checkpoint

from ..registry import register_model
from .transformer import TransformerBlock


@register_model()
class SplitMaskDecoder(BaseModule):
    """Scatters one branch's encoder outputs back to full length and decodes.

    Every missing position gets the learned mask embedding plus the encoder's
    position embedding of that patch; the class token is kept at the front.

    with_cp: keep only each block's input and recompute the block in the backward
    (activation checkpointing). The decoder runs on 2B full-length sequences, so its
    activations are a third of the encoder's; this trades them for one more decoder
    forward (about 7% more arithmetic per step).
    """

    def __init__(self, embed_dims, num_heads, num_layers=2, mlp_ratio=4.0,
                 layer_scale_init_value=0.0, with_cp=False, init_cfg=None):
        super().__init__(init_cfg=init_cfg)
        self.with_cp = with_cp
        self.mask_token = nn.Parameter(torch.zeros(1, 1, embed_dims))
        self.blocks = nn.ModuleList([
            TransformerBlock(embed_dims, num_heads, mlp_ratio,
                             layer_scale_init_value=layer_scale_init_value)
            for _ in range(num_layers)
        ])
        self.norm = nn.LayerNorm(embed_dims, eps=1e-6)

    def init_weights(self):
        super().init_weights()
        trunc_normal_(self.mask_token, std=0.02)
        for m in self.modules():
            if isinstance(m, nn.Linear):
                trunc_normal_(m.weight, std=0.02)
                nn.init.zeros_(m.bias)

    def forward(self, latent, visible_idx, patch_pos_embed):
        """latent (S, 1+k, C), visible_idx (S, k), patch_pos_embed (1, n, C) -> (S, n, C)."""
        seqs, _, dims = latent.shape
        # One scatter of [cls, visible tokens] into a (S, 1+n, C) canvas of mask
        # embeddings: position 0 is the class token's slot, patch i sits at i+1.
        canvas = torch.cat([torch.zeros_like(self.mask_token), self.mask_token + patch_pos_embed],
                           dim=1)
        index = torch.cat([visible_idx.new_zeros(seqs, 1), visible_idx + 1], dim=1)
        x = canvas.expand(seqs, -1, -1).scatter(1, index.unsqueeze(-1).expand(-1, -1, dims),
                                               latent)
        for block in self.blocks:
            if self.with_cp and x.requires_grad:
                x = checkpoint(block, x, use_reentrant=False)
            else:
                x = block(x)
        return self.norm(x)[:, 1:]
