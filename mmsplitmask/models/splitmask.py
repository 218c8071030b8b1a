"""SplitMask (El-Nouby et al., 2021): split, inpaint, match."""
import numpy as np
import torch
from mmpretrain.models.selfsup import BaseSelfSupervisor

from ..registry import register_model


def subset_indices(subsets, branch):
    """(B, n) subset labels -> (visible, predict) index tensors for one branch.

    Label 1 marks patches branch A sees, 2 those branch B sees, 0 patches neither
    sees. A branch predicts every patch it does not see. The labels are on the host
    (the split transform's numpy arrays, or a CPU tensor), and so is all of this: the
    check and the count cost no device sync, and the indices are plain tensors whose
    shape carries the count (no data-dependent shape inside a compiled model).
    """
    visible = _on_host(subsets) == branch
    counts = visible.sum(axis=1)
    if (counts != counts[0]).any():
        raise ValueError(f'branch {branch} sees {counts.tolist()} patches per image; '
                         'the split transform must give every image the same count')
    k = int(counts[0])
    # A stable sort puts the selected positions first, in increasing order.
    order = torch.from_numpy(np.argsort(~visible, axis=1, kind='stable'))
    return order[:, :k], order[:, k:]


def split_indices(subsets, device=None):
    """The indices SplitMask's forward reads, from the batch's ``subset`` maps (one
    (h, w) label map per image): (visible, predict), (2B, k) and (2B, n - k), branch
    A's B rows then branch B's, on ``device``. Host work and one copy: the data
    preprocessor calls it, so the training forward itself never reads the labels."""
    subsets = np.stack([_on_host(s).reshape(-1) for s in subsets])
    visible_a, predict_a = subset_indices(subsets, 1)
    visible_b, predict_b = subset_indices(subsets, 2)
    visible, predict = torch.cat([visible_a, visible_b]), torch.cat([predict_a, predict_b])
    if device is not None and torch.device(device).type == 'cuda':
        # pinned: the copies queue behind the GPU's work instead of waiting for it
        visible = visible.pin_memory().to(device, non_blocking=True)
        predict = predict.pin_memory().to(device, non_blocking=True)
    elif device is not None:
        visible, predict = visible.to(device), predict.to(device)
    return visible, predict


def _on_host(labels):
    """A numpy view of subset labels (a copy, and a sync, only if they were moved to
    a device)."""
    return labels.cpu().numpy() if isinstance(labels, torch.Tensor) else np.asarray(labels)


@register_model()
class SplitMask(BaseSelfSupervisor):
    """Both halves run as one encoder call on 2B sequences, then one decoder call.

    backbone: :class:`SplitMaskViT`; neck: :class:`SplitMaskDecoder`;
    head: :class:`SplitMaskHead`; target_generator: a tokenizer.
    Data samples carry ``subset`` (h, w) from :class:`ComplementaryMaskGenerator`.
    Inputs are [images, target images], or with the split's indices appended,
    [images, target images, visible, predict] (:func:`split_indices`, which
    :class:`PretrainDataPreprocessor` adds): the forward then has no host sync and
    compiles as one graph.
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
        images, target_images = inputs[:2]
        patch = self.backbone.patch_size
        grid_hw = (images.shape[-2] // patch, images.shape[-1] // patch)
        split_hw = tuple(np.shape(data_samples[0].subset))
        if split_hw != grid_hw:
            raise ValueError(
                f'the split mask is {split_hw} patches but the image gives '
                f'{grid_hw}: set ComplementaryMaskGenerator.input_size to crop size / {patch}')
        if len(inputs) == 4:
            visible, predict = inputs[2:]
        else:
            visible, predict = split_indices([s.subset for s in data_samples], images.device)
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
