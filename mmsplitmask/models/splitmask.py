"""SplitMask (El-Nouby et al., 2021): split, inpaint, match."""
import torch
from mmpretrain.models.selfsup import BaseSelfSupervisor

from ..registry import register_model


def subset_indices(subsets, branch):
    """(B, n) subset labels -> (visible, predict) index tensors for one branch.

    Label 1 marks patches branch A sees, 2 those branch B sees, 0 patches neither
    sees. A branch predicts every patch it does not see.
    """
    visible = subsets == branch
    counts = visible.sum(dim=1)
    if (counts != counts[0]).any():
        raise ValueError(f'branch {branch} sees {counts.tolist()} patches per image; '
                         'the split transform must give every image the same count')
    k = int(counts[0])
    # A stable sort puts the selected positions first, in increasing order.
    order = torch.sort(visible.to(torch.uint8), dim=1, descending=True, stable=True).indices
    return order[:, :k], order[:, k:]


@register_model()
class SplitMask(BaseSelfSupervisor):
    """Both halves run as one encoder call on 2B sequences, then one decoder call.

    backbone: :class:`SplitMaskViT`; neck: :class:`SplitMaskDecoder`;
    head: :class:`SplitMaskHead`; target_generator: a tokenizer.
    Data samples carry ``subset`` (h, w) from :class:`ComplementaryMaskGenerator`.
    """

    def extract_feat(self, inputs):
        """Encoder features of whole, normalised images (B, 3, H, W), every patch
        visible, as the backbone's ``out_indices`` / ``out_type`` say. The shipped
        configs give a 1-tuple: the last block's patch tokens after the final
        LayerNorm as a (B, C, H/16, W/16) map (``out_type='avg_featmap'``: their mean,
        (B, C)). A pre-training batch [images, targets] gives the images' features."""
        images = inputs[0] if isinstance(inputs, (list, tuple)) else inputs
        return self.backbone(images)

    def loss(self, inputs, data_samples, **kwargs):
        images, target_images = inputs
        patch = self.backbone.patch_size
        grid_hw = (images.shape[-2] // patch, images.shape[-1] // patch)
        subsets = torch.stack([torch.as_tensor(s.subset) for s in data_samples])
        if tuple(subsets.shape[1:]) != grid_hw:
            raise ValueError(
                f'the split mask is {tuple(subsets.shape[1:])} patches but the image gives '
                f'{grid_hw}: set ComplementaryMaskGenerator.input_size to crop size / {patch}')
        subsets = subsets.to(images.device).flatten(1)
        visible_a, predict_a = subset_indices(subsets, 1)
        visible_b, predict_b = subset_indices(subsets, 2)
        visible = torch.cat([visible_a, visible_b])
        predict = torch.cat([predict_a, predict_b])
        feats, target = self.decode(images, target_images, visible)
        return self.head.loss(feats, predict, target)

    def decode(self, images, target_images, visible):
        """The decoder's full-length sequences of both branches (the encoder sees the
        ``visible`` patches of each) and the target tokens: what the losses read
        (tools/analysis_tools/get_flops.py counts this)."""
        patch = self.backbone.patch_size
        grid_hw = (images.shape[-2] // patch, images.shape[-1] // patch)
        latent = self.backbone(images, visible)[-1]
        feats = self.neck(latent, visible, self.backbone.patch_pos_embed(grid_hw))
        return feats, self.target_generator(target_images)
