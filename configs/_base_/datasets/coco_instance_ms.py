# COCO 2017 instance segmentation, Swin's multi-scale training: short side
# 480..800 (step 32), long side <= 1333; bbox + segm evaluation via pycocotools.
_base_ = 'mmdet::_base_/datasets/coco_instance.py'
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='mmdet.LoadAnnotations', with_bbox=True, with_mask=True),
    dict(type='mmdet.RandomFlip', prob=0.5),
    dict(type='RandomChoiceResize', _scope_='mmdet',
         scales=[(1333, short) for short in range(480, 801, 32)], keep_ratio=True),
    dict(type='mmdet.PackDetInputs'),
]
train_dataloader = dict(batch_size=2, dataset=dict(pipeline=train_pipeline))
test_pipeline = [  # mmdet's, with the toolbox named in each type (any default scope)
    dict(type='LoadImageFromFile'),
    dict(type='mmdet.Resize', scale=(1333, 800), keep_ratio=True),
    dict(type='mmdet.LoadAnnotations', with_bbox=True, with_mask=True),
    dict(type='mmdet.PackDetInputs',
         meta_keys=('img_id', 'img_path', 'ori_shape', 'img_shape', 'scale_factor')),
]
val_dataloader = dict(dataset=dict(pipeline=test_pipeline))
test_dataloader = dict(dataset=dict(pipeline=test_pipeline))
