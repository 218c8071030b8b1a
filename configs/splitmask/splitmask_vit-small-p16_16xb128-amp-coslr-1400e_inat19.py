_base_ = [
    '../_base_/models/splitmask_vit-small-p16.py',
    '../_base_/datasets/pretrain_coco.py',
    '../_base_/schedules/splitmask_adamw-300e.py',
    '../_base_/pretrain_runtime.py',
]
# iNaturalist 2019 train (265k images); 1400 epochs match the updates of 300 ImageNet epochs (PAPER.md).
# Paper, SplitMask ViT-S pre-trained on this data: -.
train_dataloader = dict(dataset=dict(data_root='data/inat2019/', ann_file='train2019.json', data_prefix=''))
optim_wrapper = dict(type='AmpOptimWrapper', dtype='bfloat16')
train_cfg = dict(max_epochs=1400)
param_scheduler = [
    dict(type='LinearLR', start_factor=1e-4, by_epoch=True, begin=0, end=10,
         convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', eta_min=1e-5, by_epoch=True, begin=10, end=1400,
         convert_to_iter_based=True),
]
