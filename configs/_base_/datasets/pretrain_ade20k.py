# ADE20K training images; the paper cuts the maximum crop area to 25% ("crucial").
_base_ = './pretrain_folder.py'
train_dataloader = dict(dataset=dict(
    data_root='data/ade/ADEChallengeData2016/images/training/',
    pipeline=[
        dict(type='mmpretrain.LoadImageOrSkip'),
        dict(type='mmpretrain.RandomFlip', prob=0.5, direction='horizontal'),
        dict(type='mmpretrain.RandomResizedCropAndInterpolationWithTwoPic', size=224,
             second_size=112, interpolation='bicubic', second_interpolation='lanczos',
             scale=(0.08, 0.25)),
        dict(type='mmpretrain.ComplementaryMaskGenerator', input_size=14, mode='block'),
        dict(type='mmpretrain.PackInputs', algorithm_keys=['subset'], meta_keys=['img_path']),
    ]))
