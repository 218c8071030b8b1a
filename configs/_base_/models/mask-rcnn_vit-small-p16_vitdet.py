# Mask R-CNN with a plain ViT-S/16 as ViTDet (Li et al. 2022): window attention (14)
# with global attention in every third block, decomposed relative position bias,
# learnable absolute positions of the 224 pre-training grid resized at each forward,
# no class token or final norm; a simple feature pyramid from the last map (strides
# 4-64, LayerNorm, 256 channels); a 2-conv RPN, a 4conv1fc box head and a 4-conv mask
# head with LayerNorm. Inputs are padded to a fixed 1024 square (large-scale jitter):
# test images too, by the data preprocessor (the longest side is 1024, so the divisor
# 1024 pads to the square), which keeps their img_shape, so that boxes are clipped to
# the image and not to its padding (mmdet's mask pasting on CPU fails on boxes
# outside the image).
_base_ = 'mmdet::_base_/models/mask-rcnn_r50_fpn.py'
padded_size = (1024, 1024)  # the fixed input size of large-scale jitter
norm_cfg = dict(type='LN2d', eps=1e-6, requires_grad=True)
model = dict(
    data_preprocessor=dict(
        pad_size_divisor=padded_size[0],
        batch_augments=[dict(type='mmdet.BatchFixedSizePad', size=padded_size, pad_mask=True)]),
    backbone=dict(
        _delete_=True,
        type='SplitMaskViT',
        arch='small',
        img_size=224,
        patch_size=16,
        drop_path_rate=0.1,
        pos_embed='learned',
        window_size=14,
        global_blocks=(2, 5, 8, 11),
        rel_pos='decomposed',
        rel_pos_map_size=padded_size[0] // 16,
        with_cls_token=False,
        final_norm=False,
        out_indices=(-1, ),
        out_type='featmap'),
    neck=dict(_delete_=True, type='SimpleFeaturePyramid', in_channels=384, out_channels=256,
              num_outs=5, norm_cfg=norm_cfg),
    rpn_head=dict(num_convs=2),
    roi_head=dict(
        bbox_head=dict(type='Shared4Conv1FCBBoxHead', conv_out_channels=256,
                       norm_cfg=norm_cfg),
        mask_head=dict(norm_cfg=norm_cfg)))
