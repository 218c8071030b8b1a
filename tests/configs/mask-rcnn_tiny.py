# The demo Mask R-CNN with a 2-block, 64-wide ViT (taps repeat blocks 1-2).
_base_ = '../../configs/mask_rcnn/mask-rcnn_vit-tiny-p16-fpn_1xb4-24e_demo.py'
model = dict(
    backbone=dict(arch=dict(_delete_=True, embed_dims=64, num_layers=2, num_heads=4),
                  out_indices=(0, 0, 1, 1)),
    neck=dict(in_channels=[64] * 4, out_channels=64),
    rpn_head=dict(in_channels=64, feat_channels=64),
    roi_head=dict(
        bbox_roi_extractor=dict(out_channels=64),
        bbox_head=dict(in_channels=64, fc_out_channels=128),
        mask_roi_extractor=dict(out_channels=64),
        mask_head=dict(in_channels=64, conv_out_channels=64)))
