_base_ = [
    '../_base_/models/beit_vit-small-p16.py',
    '../_base_/datasets/pretrain_coco.py',
    '../_base_/schedules/splitmask_adamw-300e.py',
    '../_base_/pretrain_runtime.py',
]
# COCO train2017 (118k images); 3000 epochs match the updates of 300 ImageNet epochs (PAPER.md).
# Paper, BEiT ViT-S pre-trained on this data: Mask R-CNN 3x: 44.7 / 40.2.
optim_wrapper = dict(type='AmpOptimWrapper', dtype='bfloat16')
train_cfg = dict(max_epochs=3000)
# Warm-up sized by updates (the paper sizes schedules by updates): BEiT's 10 ImageNet
# epochs are 6,250 updates at batch 2048, 1/30 of its schedule; the same 6,250, or 1/30
# of a shorter schedule. Here 118,287 images / 2048 = 58 updates per epoch,
# 174,000 in all: 5,800 warm-up updates = 100 epochs.
param_scheduler = [
    dict(type='LinearLR', start_factor=1e-4, by_epoch=True, begin=0, end=100,
         convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', eta_min=1e-5, by_epoch=True, begin=100, end=3000,
         convert_to_iter_based=True),
]
