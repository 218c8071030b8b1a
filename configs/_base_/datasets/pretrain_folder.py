# Unlabeled pre-training on every image under data_root (recursively).
# Paper: random resized crop + horizontal flip; 50% block-wise split. Unreadable files
# are skipped with a warning (LoadImageOrSkip; on_error='raise' to stop instead).
data_root = 'data/images/'
# Flip first: it must act on the image before the crop makes its target copy.
train_pipeline = [
    dict(type='mmpretrain.LoadImageOrSkip'),
    dict(type='mmpretrain.RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='mmpretrain.RandomResizedCropAndInterpolationWithTwoPic', size=224, second_size=112,
         interpolation='bicubic', second_interpolation='lanczos', scale=(0.08, 1.0)),
    dict(type='mmpretrain.ComplementaryMaskGenerator', input_size=14, mode='block'),
    dict(type='mmpretrain.PackInputs', algorithm_keys=['subset'], meta_keys=['img_path']),
]
# Cars and DomainNet (the smallest sets): greyscale, solarisation, blur and colour
# jitter (magnitudes as MoCo v3, the paper gives none) and uniform 75% masking.
strong_train_pipeline = [
    dict(type='mmpretrain.LoadImageOrSkip'),
    dict(type='mmpretrain.RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='RandomApply', _scope_='mmpretrain', prob=0.8, transforms=[
        dict(type='mmpretrain.ColorJitter', brightness=0.4, contrast=0.4, saturation=0.2,
             hue=0.1)]),
    dict(type='mmpretrain.RandomGrayscale', prob=0.2, keep_channels=True,
         channel_weights=(0.114, 0.587, 0.2989)),
    dict(type='mmpretrain.GaussianBlur', magnitude_range=(0.1, 2.0), magnitude_std='inf', prob=0.5),
    dict(type='mmpretrain.Solarize', thr=128, prob=0.2),
    dict(type='mmpretrain.RandomResizedCropAndInterpolationWithTwoPic', size=224, second_size=112,
         interpolation='bicubic', second_interpolation='lanczos', scale=(0.08, 1.0)),
    dict(type='mmpretrain.ComplementaryMaskGenerator', input_size=14, mode='uniform',
         mask_ratio=0.75),
    dict(type='mmpretrain.PackInputs', algorithm_keys=['subset'], meta_keys=['img_path']),
]
# One image for feature extraction (mmpretrain's FeatureExtractor reads this pipeline;
# README "Use a trained model"): the whole image resized to the crop size, so every
# patch is encoded; the model's data_preprocessor then normalises it as in training.
# LoadImageFromFile is the step FeatureExtractor replaces with its own image reading.
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='mmpretrain.Resize', scale=(224, 224), interpolation='bicubic'),
    dict(type='mmpretrain.PackInputs'),
]
train_dataloader = dict(
    batch_size=128,
    num_workers=8,
    persistent_workers=True,
    # DefaultSampler's order; each sample's augmentation keyed on (seed, epoch, index)
    sampler=dict(type='ResumableSampler', shuffle=True),
    collate_fn=dict(type='default_collate'),
    dataset=dict(type='CustomDataset', data_root=data_root, with_label=False,
                 pipeline=train_pipeline))
# Only the pipeline (and a dataset type, where get_model looks up class names):
# pre-training has nothing to test. mmengine's Runner takes a test_dataloader only
# with test_cfg and test_evaluator, hence the empty ones (tools/test.py refuses a
# config whose test_evaluator is empty, saying why).
test_dataloader = dict(dataset=dict(type='CustomDataset', pipeline=test_pipeline))
test_cfg = dict()
test_evaluator = dict()
