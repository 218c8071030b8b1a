# ADE20K, 512x512 crops (mmseg's settings); the model pads training batches to 512.
_base_ = 'mmseg::_base_/datasets/ade20k.py'
# mmseg's pipelines with CheckSegLabels after LoadAnnotations: a label map value
# outside the 150 classes (after reduce_zero_label: 0 -> 255, k -> k - 1) becomes 255,
# ignored, with a warning naming the file, instead of crashing the loss.
crop_size = (512, 512)
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations', _scope_='mmseg', reduce_zero_label=True),
    dict(type='mmseg.CheckSegLabels', num_classes=150),
    dict(type='RandomResize', _scope_='mmseg', scale=(2048, 512), ratio_range=(0.5, 2.0),
         keep_ratio=True),
    dict(type='mmseg.RandomCrop', crop_size=crop_size, cat_max_ratio=0.75),
    dict(type='mmseg.RandomFlip', prob=0.5),
    dict(type='mmseg.PhotoMetricDistortion'),
    dict(type='mmseg.PackSegInputs'),
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='mmseg.Resize', scale=(2048, 512), keep_ratio=True),
    dict(type='LoadAnnotations', _scope_='mmseg', reduce_zero_label=True),
    dict(type='mmseg.CheckSegLabels', num_classes=150),
    dict(type='mmseg.PackSegInputs'),
]
tta_pipeline = [  # mmseg's, built in mmseg's scope whatever scope is current
    dict(type='LoadImageFromFile'),
    dict(type='TestTimeAug', _scope_='mmseg', transforms=[
        [dict(type='Resize', scale_factor=r, keep_ratio=True)
         for r in [0.5, 0.75, 1.0, 1.25, 1.5, 1.75]],
        [dict(type='RandomFlip', prob=0., direction='horizontal'),
         dict(type='RandomFlip', prob=1., direction='horizontal')],
        [dict(type='LoadAnnotations')], [dict(type='PackSegInputs')]]),
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=test_pipeline))
test_dataloader = dict(dataset=dict(pipeline=test_pipeline))
