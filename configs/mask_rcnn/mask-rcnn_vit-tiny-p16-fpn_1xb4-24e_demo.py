# Mask R-CNN with a ViT-Tiny on the demo scenes (make demo), CPU-sized.
# Fine-tune from SplitMask pre-training with
#   --cfg-options model.backbone.init_cfg.checkpoint=work_dirs/<pretrain>/epoch_60.pth
_base_ = [
    '../_base_/models/mask-rcnn_vit-small-p16_fpn.py',
    '../_base_/datasets/demo_instance.py',
    '../_base_/schedules/mask-rcnn_adamw-3x.py',
    '../_base_/det_runtime.py',
]
# CPU sizes: 128-channel FPN and heads, 128 sampled RoIs per image, and torchvision's
# RoIAlign with 2 samples per bin (mmcv's CPU RoIAlign backward took 40% of a step).
roi_layer = dict(type='RoIAlign', sampling_ratio=2, use_torchvision=True)
model = dict(
    backbone=dict(arch='tiny', img_size=128, drop_path_rate=0.0,
                  pyramid=dict(norm_cfg=dict(type='BN'))),
    neck=dict(in_channels=[192, 192, 192, 192], out_channels=128),
    rpn_head=dict(in_channels=128, feat_channels=128),
    roi_head=dict(
        bbox_roi_extractor=dict(out_channels=128, roi_layer=dict(roi_layer, output_size=7)),
        bbox_head=dict(in_channels=128, num_classes=4),
        mask_roi_extractor=dict(out_channels=128, roi_layer=dict(roi_layer, output_size=14)),
        mask_head=dict(in_channels=128, conv_out_channels=128, num_classes=4)),
    train_cfg=dict(rcnn=dict(sampler=dict(num=128))))
optim_wrapper = dict(optimizer=dict(lr=2e-4))
max_epochs = 24
train_cfg = dict(max_epochs=max_epochs, val_interval=max_epochs)
param_scheduler = [
    dict(type='LinearLR', start_factor=0.01, by_epoch=False, begin=0, end=50),
    dict(type='MultiStepLR', begin=0, end=max_epochs, by_epoch=True, milestones=[18, 22]),
]
env_cfg = dict(dist_cfg=dict(backend='gloo'))
default_hooks = dict(logger=dict(interval=10), checkpoint=dict(interval=8))
