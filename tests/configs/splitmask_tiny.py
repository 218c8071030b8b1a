# A 2-block, 64-wide SplitMask on 64x64 crops: fast enough for CPU tests.
_base_ = '../../configs/splitmask/splitmask_vit-tiny-p16_1xb32-coslr-60e_demo.py'
model = dict(
    backbone=dict(arch=dict(_delete_=True, embed_dims=64, num_layers=2, num_heads=4),
                  img_size=64),
    neck=dict(embed_dims=64, num_heads=4),
    head=dict(embed_dims=64))
crop = dict(type='mmpretrain.RandomResizedCropAndInterpolationWithTwoPic', size=64, second_size=32,
            interpolation='bicubic', second_interpolation='lanczos', scale=(0.3, 1.0))
train_dataloader = dict(
    batch_size=16,
    num_workers=0,
    persistent_workers=False,
    dataset=dict(pipeline=[
        dict(type='mmpretrain.LoadImageOrSkip'),
        dict(type='mmpretrain.RandomFlip', prob=0.5, direction='horizontal'),
        crop,
        dict(type='mmpretrain.ComplementaryMaskGenerator', input_size=4, mode='block'),
        dict(type='mmpretrain.PackInputs', algorithm_keys=['subset'], meta_keys=['img_path']),
    ]))
optim_wrapper = dict(optimizer=dict(lr=2e-3))
default_hooks = dict(logger=dict(interval=1))
# the demo's hooks without its dense probe of data/demo (tests train on other scenes)
custom_hooks = [
    dict(type='NonFiniteLossHook', max_consecutive=10),
    dict(type='ExactResumeHook'),
    dict(type='GlobalMeanLogHook'),
    dict(type='SkippedImagesHook', interval=50),
]
