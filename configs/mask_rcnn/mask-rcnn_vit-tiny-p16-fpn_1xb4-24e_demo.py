# Mask R-CNN with a ViT-Tiny on the demo scenes (make demo), CPU-sized.
# Fine-tune from SplitMask pre-training with
#   --cfg-options model.backbone.init_cfg.checkpoint=work_dirs/<pretrain>/epoch_60.pth
_base_ = [
    '../_base_/models/mask-rcnn_vit-small-p16_fpn.py',
    '../_base_/datasets/demo_instance.py',
    '../_base_/schedules/mask-rcnn_adamw-3x.py',
    '../_base_/det_runtime.py',
]
model = dict(
    backbone=dict(arch='tiny', img_size=128, drop_path_rate=0.0,
                  pyramid=dict(norm_cfg=dict(type='BN'))),
    neck=dict(in_channels=[192, 192, 192, 192]),
    roi_head=dict(bbox_head=dict(num_classes=4), mask_head=dict(num_classes=4)))
optim_wrapper = dict(optimizer=dict(lr=2e-4))
max_epochs = 24
train_cfg = dict(max_epochs=max_epochs, val_interval=max_epochs)
param_scheduler = [
    dict(type='LinearLR', start_factor=0.01, by_epoch=False, begin=0, end=50),
    dict(type='MultiStepLR', begin=0, end=max_epochs, by_epoch=True, milestones=[18, 22]),
]
env_cfg = dict(dist_cfg=dict(backend='gloo'))
default_hooks = dict(logger=dict(interval=10), checkpoint=dict(interval=8))
