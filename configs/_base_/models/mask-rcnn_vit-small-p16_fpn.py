# Mask R-CNN with a plain ViT-S/16: blocks 4, 6, 8, 12 -> strides 4/8/16/32
# (transposed convs / identity / max-pool, as XCiT and the paper) -> FPN.
# Sinusoidal position encoding, as the paper uses for every detection model.
_base_ = 'mmdet::_base_/models/mask-rcnn_r50_fpn.py'
model = dict(
    backbone=dict(
        _delete_=True,
        type='SplitMaskViT',
        arch='small',
        img_size=224,
        patch_size=16,
        drop_path_rate=0.1,
        pos_embed='sincos',
        out_indices=(3, 5, 7, 11),
        out_type='featmap',
        pyramid=dict(norm_cfg=dict(type='SyncBN', requires_grad=True))),
    neck=dict(in_channels=[384, 384, 384, 384]))
