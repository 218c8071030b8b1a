# Linear probe on ImageNet-1k: frozen SplitMask ViT-B/16 (pre-trained 300 epochs on
# ImageNet), BatchNorm + linear classifier on the mean patch token. Paper's ablation:
# 46.5 top-1 (BEiT 41.0). MAE's protocol: LARS, lr 0.1 per 256 images, 90 epochs.
_base_ = [
    '../_base_/models/vit-base-p16_cls.py',
    '../_base_/datasets/finetune_224.py',
    '../_base_/cls_runtime.py',
]
model = dict(
    backbone=dict(frozen=True, drop_path_rate=0.0, init_cfg=dict(
        type='Pretrained',
        checkpoint='work_dirs/splitmask_vit-base-p16_16xb128-amp-coslr-300e_in1k/epoch_300.pth',
        prefix='backbone.')),
    neck=dict(_delete_=True, type='ClsBatchNormNeck', input_features=768),
    head=dict(loss=dict(_delete_=True, type='CrossEntropyLoss'), init_cfg=[
        dict(type='TruncNormal', layer='Linear', std=0.01)]),
    train_cfg=dict(_delete_=True))
train_dataloader = dict(
    batch_size=2048,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(type='ImageNet', data_root='data/imagenet/', split='train', pipeline=[
        dict(type='LoadImageFromFile'),
        dict(type='mmpretrain.RandomResizedCrop', scale=224, backend='pillow',
             interpolation='bicubic'),
        dict(type='mmpretrain.RandomFlip', prob=0.5),
        dict(type='mmpretrain.PackInputs'),
    ]))
val_dataloader = dict(dataset=dict(type='ImageNet', data_root='data/imagenet/', split='val'))
test_dataloader = val_dataloader
optim_wrapper = dict(
    type='AmpOptimWrapper',
    optimizer=dict(type='LARS', lr=6.4, weight_decay=0.0, momentum=0.9))
param_scheduler = [
    dict(type='LinearLR', start_factor=1e-4, by_epoch=True, begin=0, end=10,
         convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', T_max=80, by_epoch=True, begin=10, end=90),
]
train_cfg = dict(by_epoch=True, max_epochs=90, val_interval=10)
val_cfg = dict()
test_cfg = dict()
auto_scale_lr = dict(base_batch_size=16384)
