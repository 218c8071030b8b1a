# Mask R-CNN, ViT-B/16 + FPN from random init, 6x (72 epochs), as the
# paper's baseline row. Paper (6x): 40.7 / 37.1.
_base_ = [
    '../_base_/models/mask-rcnn_vit-base-p16_fpn.py',
    '../_base_/datasets/coco_instance_ms.py',
    '../_base_/schedules/mask-rcnn_adamw-3x.py',
    '../_base_/det_runtime.py',
]
optim_wrapper = dict(type='AmpOptimWrapper')
max_epochs = 72
train_cfg = dict(max_epochs=max_epochs)
param_scheduler = [
    dict(type='LinearLR', start_factor=0.001, by_epoch=False, begin=0, end=1000),
    dict(type='MultiStepLR', begin=0, end=max_epochs, by_epoch=True, milestones=[54, 66]),
]
