# The BEiT baseline, as tiny as splitmask_tiny.py.
_base_ = '../../configs/splitmask/beit_vit-tiny-p16_1xb32-coslr-60e_demo.py'
model = dict(
    backbone=dict(arch=dict(_delete_=True, embed_dims=64, num_layers=2, num_heads=4),
                  img_size=64),
    head=dict(embed_dims=64))
train_dataloader = dict(
    batch_size=16,
    num_workers=0,
    persistent_workers=False,
    dataset=dict(pipeline=[
        dict(type='mmpretrain.LoadImageOrSkip'),
        dict(type='mmpretrain.RandomFlip', prob=0.5, direction='horizontal'),
        dict(type='mmpretrain.RandomResizedCropAndInterpolationWithTwoPic', size=64, second_size=32,
             interpolation='bicubic', second_interpolation='lanczos', scale=(0.3, 1.0)),
        dict(type='mmpretrain.BEiTMaskGenerator', input_size=(4, 4), num_masking_patches=6,
             min_num_patches=2),
        dict(type='mmpretrain.PackInputs', meta_keys=['img_path']),
    ]))
default_hooks = dict(logger=dict(interval=1))
