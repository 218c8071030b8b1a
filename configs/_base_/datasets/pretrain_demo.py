# The demo images (make demo): 128x128 crops, half-resolution 64x64 targets.
_base_ = './pretrain_folder.py'
train_pipeline = [
    dict(type='mmpretrain.LoadImageOrSkip'),
    dict(type='mmpretrain.RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='mmpretrain.RandomResizedCropAndInterpolationWithTwoPic', size=128, second_size=64,
         interpolation='bicubic', second_interpolation='lanczos', scale=(0.2, 1.0)),
    dict(type='mmpretrain.ComplementaryMaskGenerator', input_size=8, mode='block'),
    dict(type='mmpretrain.PackInputs', algorithm_keys=['subset'], meta_keys=['img_path']),
]
# BEiT masks 40% of the patches (26 of 64) with blocks of at least 4.
beit_train_pipeline = train_pipeline[:3] + [
    dict(type='mmpretrain.BEiTMaskGenerator', input_size=(8, 8), num_masking_patches=26,
         min_num_patches=4),
    dict(type='mmpretrain.PackInputs', meta_keys=['img_path']),  # packs 'mask' as a tensor
]
test_pipeline = [  # feature extraction: the whole image at the crop size
    dict(type='LoadImageFromFile'),
    dict(type='mmpretrain.Resize', scale=(128, 128), interpolation='bicubic'),
    dict(type='mmpretrain.PackInputs'),
]
test_dataloader = dict(dataset=dict(pipeline=test_pipeline))
train_dataloader = dict(
    batch_size=32,
    num_workers=2,
    dataset=dict(data_root='data/demo/pretrain/', pipeline=train_pipeline))
