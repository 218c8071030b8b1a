_base_ = [
    '../_base_/models/splitmask_vit-small-p16.py',
    '../_base_/datasets/pretrain_imagenet.py',
    '../_base_/schedules/splitmask_adamw-300e.py',
    '../_base_/pretrain_runtime.py',
]
# ImageNet-1k (1.28M images); 300 epochs match the updates of 300 ImageNet epochs (PAPER.md).
# Paper, SplitMask ViT-S pre-trained on this data: fine-tune 81.5 top-1.
optim_wrapper = dict(type='AmpOptimWrapper', dtype='bfloat16')
train_cfg = dict(max_epochs=300)
# Warm-up sized by updates (the paper sizes schedules by updates): BEiT's 10 ImageNet
# epochs are 6,250 updates at batch 2048, 1/30 of its schedule; the same 6,250, or 1/30
# of a shorter schedule. Here 1,281,167 images / 2048 = 626 updates per epoch,
# 187,800 in all: 6,250 warm-up updates = 10 epochs.
param_scheduler = [
    dict(type='LinearLR', start_factor=1e-4, by_epoch=True, begin=0, end=10,
         convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', eta_min=1e-5, by_epoch=True, begin=10, end=300,
         convert_to_iter_based=True),
]
