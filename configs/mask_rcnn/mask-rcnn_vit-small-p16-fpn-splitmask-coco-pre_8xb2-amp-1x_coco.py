# Mask R-CNN, ViT-S/16 + FPN, COCO 2017, 1x schedule (12 epochs, steps at 8 and 11):
# the 3x config with a shorter schedule.
_base_ = './mask-rcnn_vit-small-p16-fpn-splitmask-coco-pre_8xb2-amp-3x_coco.py'
max_epochs = 12
train_cfg = dict(max_epochs=max_epochs)
param_scheduler = [
    dict(type='LinearLR', start_factor=0.001, by_epoch=False, begin=0, end=1000),
    dict(type='MultiStepLR', begin=0, end=max_epochs, by_epoch=True, milestones=[8, 11]),
]
