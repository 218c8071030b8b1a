# Fine-tune SplitMask ViT-B/16 pre-trained on the same data only. Paper top-1: 91.2 (SplitMask on Food101 only; random init 83.3).
_base_ = [
    '../_base_/models/vit-base-p16_cls.py',
    '../_base_/datasets/finetune_224.py',
    '../_base_/schedules/finetune_adamw-300e.py',
    '../_base_/cls_runtime.py',
]
model = dict(
    backbone=dict(init_cfg=dict(
        type='Pretrained',
        checkpoint='work_dirs/splitmask_vit-base-p16_16xb128-amp-coslr-5000e_food101/epoch_5000.pth',
        prefix='backbone.')),
    head=dict(num_classes=101))
data_preprocessor = dict(num_classes=101)
val_dataloader = dict(dataset=dict(type='Food101', data_root='data/food-101/', split='test'))
test_dataloader = val_dataloader
train_dataloader = dict(dataset=dict(type='Food101', data_root='data/food-101/', split='train', pipeline=[
    dict(type='LoadImageFromFile'),
    dict(type='RandomResizedCrop', scale=224, backend='pillow', interpolation='bicubic'),
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='RandAugment', policies='timm_increasing', num_policies=2, total_level=10,
         magnitude_level=7, magnitude_std=0.5,
         hparams=dict(pad_val=[104, 116, 124], interpolation='bicubic')),
    dict(type='PackInputs'),
]))
# iNat/Food recipe: lr 1.4e-4, no layer decay, 5 warmup epochs, RandAugment 7/0.5.
optim_wrapper = dict(optimizer=dict(lr=1.4e-4), paramwise_cfg=dict(layer_decay_rate=1.0))
param_scheduler = [
    dict(type='LinearLR', start_factor=1e-4, by_epoch=True, begin=0, end=5,
         convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', eta_min=1e-6, by_epoch=True, begin=5, end=300,
         convert_to_iter_based=True),
]
