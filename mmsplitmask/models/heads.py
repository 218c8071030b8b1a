"""Losses of SplitMask (inpainting + matching) and the BEiT baseline on token ids."""
import torch
from mmengine.model import BaseModule
from mmengine.model.weight_init import trunc_normal_
from mmpretrain.models.heads import BEiTV1Head
from torch import nn

from ..registry import register_model
from .losses import linear_cross_entropy, symmetric_info_nce


@register_model()
class SplitMaskHead(BaseModule):
    """Token classifier at the missing positions and InfoNCE on mean descriptors.

    Args:
        embed_dims: decoder width.
        vocab_size: tokenizer vocabulary.
        temperature: InfoNCE temperature (0.2, from MoCo v3, as the paper).
        match_loss_weight: weight of InfoNCE. The paper does not state it; 1.0.
        mim_loss_weight: weight of the inpainting loss; 0 gives the paper's
            "split + match only" ablation (as match_loss_weight=0 its "split + inpaint").
        normalize: l2-normalise descriptors before InfoNCE. Not stated; on, as MoCo v3.
        projector: optional dict(hidden_dims=..., out_dims=...) for an MLP on the
            descriptors before matching. Not stated; off.
        chunk_rows: rows of the token classifier's logits computed at a time. The
            classifier and its cross-entropy are one fused step that never holds all
            (rows, vocab_size) logits (see :class:`LinearCrossEntropy`); same loss
            and gradients as ``F.cross_entropy`` on ``cls_head``'s output.
    """

    def __init__(self, embed_dims, vocab_size=8192, temperature=0.2, match_loss_weight=1.0,
                 normalize=True, projector=None, chunk_rows=1024, mim_loss_weight=1.0,
                 init_cfg=None):
        super().__init__(init_cfg=init_cfg)
        self.mim_loss_weight = mim_loss_weight
        self.chunk_rows = chunk_rows
        self.cls_head = nn.Linear(embed_dims, vocab_size)
        self.temperature = temperature
        self.match_loss_weight = match_loss_weight
        self.normalize = normalize
        self.projector = None
        if projector is not None:
            hidden, out = projector['hidden_dims'], projector['out_dims']
            self.projector = nn.Sequential(
                nn.Linear(embed_dims, hidden), nn.GELU(), nn.Linear(hidden, out))

    def init_weights(self):
        super().init_weights()
        for m in self.modules():
            if isinstance(m, nn.Linear):
                trunc_normal_(m.weight, std=0.02)
                nn.init.zeros_(m.bias)

    def loss(self, feats, predict_idx, target):
        """feats (2B, n, C) decoder outputs of branches A then B; predict_idx (2B, m)
        the positions each branch must inpaint; target (B, n) token ids."""
        dims = feats.shape[-1]
        picked = torch.gather(feats, 1, predict_idx.unsqueeze(-1).expand(-1, -1, dims))
        labels = torch.gather(target.repeat(2, 1), 1, predict_idx).flatten()
        loss_mim, acc_token = linear_cross_entropy(
            picked.flatten(0, 1), self.cls_head.weight, self.cls_head.bias, labels,
            self.chunk_rows)

        descriptors = feats.mean(dim=1)
        if self.projector is not None:
            descriptors = self.projector(descriptors)
        x_a, x_b = descriptors.chunk(2)
        loss_match, acc_match = symmetric_info_nce(x_a, x_b, self.temperature, self.normalize)
        return dict(loss_mim=self.mim_loss_weight * loss_mim,
                    loss_match=self.match_loss_weight * loss_match,
                    acc_token=acc_token, acc_match=acc_match.detach())


@register_model()
class BEiTTokenHead(BEiTV1Head):
    """mmpretrain's BEiT v1 head, fed token ids (B, n) instead of DALL-E logits."""

    def loss(self, feats, target, mask):
        mask = mask.flatten(1).to(torch.bool)
        logits = self.cls_head(feats[:, 1:][mask])
        return self.loss_module(logits, target[mask])
