# Table 9, iNat/Food recipe: lr 1.4e-4 (batch 1024), no layer decay, 5 warmup
# epochs, RandAugment 7/0.5 (the Cars/DomainNet defaults: 4e-3, 0.65, 60, 9/0.5).
_base_ = ['./datasets/finetune_224.py', './schedules/finetune_adamw-300e.py']
train_dataloader = dict(dataset=dict(pipeline=[
    dict(type='LoadImageFromFile'),
    dict(type='mmpretrain.RandomResizedCrop', scale=224, backend='pillow', interpolation='bicubic'),
    dict(type='mmpretrain.RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='RandAugment', _scope_='mmpretrain', policies='timm_increasing', num_policies=2,
         total_level=10, magnitude_level=7, magnitude_std=0.5,
         hparams=dict(pad_val=[104, 116, 124], interpolation='bicubic')),
    dict(type='mmpretrain.PackInputs'),
]))
optim_wrapper = dict(optimizer=dict(lr=1.4e-4), paramwise_cfg=dict(layer_decay_rate=1.0))
param_scheduler = [
    dict(type='LinearLR', start_factor=1e-4, by_epoch=True, begin=0, end=5,
         convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', eta_min=1e-6, by_epoch=True, begin=5, end=300,
         convert_to_iter_based=True),
]
