# COCO 2017 instance segmentation, Swin's multi-scale training: short side
# 480..800 (step 32), long side <= 1333; bbox + segm evaluation via pycocotools.
_base_ = 'mmdet::_base_/datasets/coco_instance.py'
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations', with_bbox=True, with_mask=True),
    dict(type='RandomFlip', prob=0.5),
    dict(type='RandomChoiceResize',
         scales=[(1333, short) for short in range(480, 801, 32)], keep_ratio=True),
    dict(type='PackDetInputs'),
]
train_dataloader = dict(batch_size=2, dataset=dict(pipeline=train_pipeline))
