_base_ = [
    '../_base_/models/splitmask_vit-small-p16.py',
    '../_base_/datasets/pretrain_coco.py',
    '../_base_/schedules/splitmask_adamw-300e.py',
    '../_base_/pretrain_runtime.py',
]
# iNaturalist 2018 train (437k images; its json lists images like COCO); 800 epochs match the updates of 300 ImageNet epochs (PAPER.md).
# Paper, SplitMask ViT-S pre-trained on this data: -.
train_dataloader = dict(dataset=dict(data_root='data/inat2018/', ann_file='train2018.json', data_prefix=''))
optim_wrapper = dict(type='AmpOptimWrapper', dtype='bfloat16')
train_cfg = dict(max_epochs=800)
# Warm-up sized by updates (the paper sizes schedules by updates): BEiT's 10 ImageNet
# epochs are 6,250 updates at batch 2048, 1/30 of its schedule; the same 6,250, or 1/30
# of a shorter schedule. Here 437,513 images / 2048 = 214 updates per epoch,
# 171,200 in all: 5,706 warm-up updates = 27 epochs.
param_scheduler = [
    dict(type='LinearLR', start_factor=1e-4, by_epoch=True, begin=0, end=27,
         convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', eta_min=1e-5, by_epoch=True, begin=27, end=800,
         convert_to_iter_based=True),
]
