_base_ = [
    '../_base_/models/splitmask_vit-small-p16.py',
    '../_base_/datasets/pretrain_folder.py',
    '../_base_/schedules/splitmask_adamw-300e.py',
    '../_base_/pretrain_runtime.py',
]
# DomainNet Sketch train (49k images): uniform 75% masking + strong augmentation; 5000 epochs match the updates of 300 ImageNet epochs (PAPER.md).
# Paper, SplitMask ViT-S pre-trained on this data: -.
train_dataloader = dict(dataset=dict(data_root='data/domainnet/', ann_file='sketch_train.txt',
                                      pipeline={{_base_.strong_train_pipeline}}))
optim_wrapper = dict(type='AmpOptimWrapper', dtype='bfloat16')
train_cfg = dict(max_epochs=5000)
# Warm-up sized by updates (the paper sizes schedules by updates): BEiT's 10 ImageNet
# epochs are 6,250 updates at batch 2048, 1/30 of its schedule; the same 6,250, or 1/30
# of a shorter schedule. Here 48,212 images / 2048 = 24 updates per epoch,
# 120,000 in all: 4,000 warm-up updates = 167 epochs.
param_scheduler = [
    dict(type='LinearLR', start_factor=1e-4, by_epoch=True, begin=0, end=167,
         convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', eta_min=1e-5, by_epoch=True, begin=167, end=5000,
         convert_to_iter_based=True),
]
