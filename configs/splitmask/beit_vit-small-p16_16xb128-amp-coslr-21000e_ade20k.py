_base_ = [
    '../_base_/models/beit_vit-small-p16.py',
    '../_base_/datasets/pretrain_ade20k.py',
    '../_base_/schedules/splitmask_adamw-300e.py',
    '../_base_/pretrain_runtime.py',
]
# ADE20K train (20.2k images), max crop area 25%; 21000 epochs match the updates of 300 ImageNet epochs (PAPER.md).
# Paper, BEiT ViT-S pre-trained on this data: -.
optim_wrapper = dict(type='AmpOptimWrapper', dtype='bfloat16')
train_cfg = dict(max_epochs=21000)
# Warm-up sized by updates (the paper sizes schedules by updates): BEiT's 10 ImageNet
# epochs are 6,250 updates at batch 2048, 1/30 of its schedule; the same 6,250, or 1/30
# of a shorter schedule. Here 20,210 images / 2048 = 10 updates per epoch,
# 210,000 in all: 6,250 warm-up updates = 625 epochs.
param_scheduler = [
    dict(type='LinearLR', start_factor=1e-4, by_epoch=True, begin=0, end=625,
         convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', eta_min=1e-5, by_epoch=True, begin=625, end=21000,
         convert_to_iter_based=True),
]
