"""ViTDet's simple feature pyramid (Li et al. 2022), an mmdet neck.

From the last feature map of a plain ViT (stride 16): scale 4 by two 2x transposed
convolutions (LayerNorm and GELU between), scale 2 by one, scale 1 as it is, scale 1/2
by 2x max-pooling; each then a 1x1 and a 3x3 convolution to ``out_channels``, each
followed by LayerNorm over channels; a stride-64 level is the stride-32 output
subsampled (max-pool, kernel 1, stride 2), as FPN's extra level. Five maps at strides
4, 8, 16, 32, 64 for mmdet's RPN and RoI heads.
"""
from typing import Sequence

import torch.nn.functional as F
from mmcv.cnn import ConvModule, build_norm_layer
from mmdet.registry import MODELS as MMDET_MODELS
from mmengine.model import BaseModule
from mmpretrain.models.utils import LayerNorm2d
from torch import nn

from ..registry import register_model

# mmpretrain's channel LayerNorm for NCHW maps, also under mmdet's scope as 'LN2d',
# for this neck and ViTDet's box and mask heads (norm_cfg=dict(type='LN2d')).
if 'LN2d' not in MMDET_MODELS.module_dict:
    MMDET_MODELS.register_module('LN2d', module=LayerNorm2d)


@register_model('mmdet')
class SimpleFeaturePyramid(BaseModule):
    """Five-level pyramid from the last map of a plain ViT (see the module docstring).

    Args:
        in_channels: channels of the backbone's map (its embed_dims).
        out_channels: channels of every pyramid level.
        scales: resampling of the input map per level (4, 2, 1, 0.5: strides 4-32
            from a stride-16 ViT).
        num_outs: levels returned; one more than ``scales`` adds the stride-64 level.
        norm_cfg: the norm after each convolution and between the transposed ones.
    """

    def __init__(self,
                 in_channels: int,
                 out_channels: int = 256,
                 scales: Sequence[float] = (4.0, 2.0, 1.0, 0.5),
                 num_outs: int = 5,
                 norm_cfg=dict(type='LN2d', eps=1e-6),
                 init_cfg=None):
        super().__init__(init_cfg=init_cfg)
        if num_outs not in (len(scales), len(scales) + 1):
            raise ValueError(f'num_outs must be {len(scales)} or {len(scales) + 1} (with the '
                             f'extra max-pooled level), got {num_outs}')
        self.num_outs = num_outs
        self.resamplers = nn.ModuleList()
        self.convs = nn.ModuleList()
        for scale in scales:
            resample, channels = self._resampler(scale, in_channels, norm_cfg)
            self.resamplers.append(resample)
            self.convs.append(nn.Sequential(
                ConvModule(channels, out_channels, 1, bias=False, norm_cfg=norm_cfg,
                           act_cfg=None),
                ConvModule(out_channels, out_channels, 3, padding=1, bias=False,
                           norm_cfg=norm_cfg, act_cfg=None)))

    @staticmethod
    def _resampler(scale, dims, norm_cfg):
        """The layers taking the map to ``scale`` times its size, and their out channels."""
        if scale == 4.0:
            return nn.Sequential(
                nn.ConvTranspose2d(dims, dims // 2, 2, stride=2),
                build_norm_layer(norm_cfg, dims // 2)[1], nn.GELU(),
                nn.ConvTranspose2d(dims // 2, dims // 4, 2, stride=2)), dims // 4
        if scale == 2.0:
            return nn.ConvTranspose2d(dims, dims // 2, 2, stride=2), dims // 2
        if scale == 1.0:
            return nn.Identity(), dims
        if scale == 0.5:
            return nn.MaxPool2d(2, stride=2), dims
        raise ValueError(f'scales must be among 4, 2, 1, 0.5, got {scale}')

    def forward(self, inputs):
        """``inputs``: the backbone's outputs; the last one is used."""
        x = inputs[-1]
        outs = [conv(resample(x)) for resample, conv in zip(self.resamplers, self.convs)]
        if self.num_outs > len(outs):
            outs.append(F.max_pool2d(outs[-1], 1, stride=2))
        return tuple(outs)
