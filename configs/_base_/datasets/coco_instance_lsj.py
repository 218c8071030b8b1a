# COCO 2017 instance segmentation with ViTDet's large-scale jitter: resize to 0.1-2.0
# of 1024 (aspect kept), crop 1024, pad to a 1024 square; test: longest side 1024
# (the ViTDet model's data preprocessor pads it to the square). Transforms carry their
# toolbox's scope, so the pipelines build under any default scope; LoadImageFromFile
# is mmcv's, found from every scope, and mmdet's DetInferencer looks for it by this
# unscoped name.
_base_ = 'mmdet::_base_/datasets/coco_instance.py'
image_size = (1024, 1024)
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='mmdet.LoadAnnotations', with_bbox=True, with_mask=True),
    dict(type='mmdet.RandomFlip', prob=0.5),
    dict(type='mmcv.RandomResize', scale=image_size, ratio_range=(0.1, 2.0), keep_ratio=True,
         resize_type='mmdet.Resize'),
    dict(type='mmdet.RandomCrop', crop_type='absolute_range', crop_size=image_size,
         recompute_bbox=True, allow_negative_crop=True),
    dict(type='mmdet.FilterAnnotations', min_gt_bbox_wh=(1e-2, 1e-2)),
    dict(type='mmdet.Pad', size=image_size, pad_val=dict(img=(114, 114, 114))),
    dict(type='mmdet.PackDetInputs'),
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='mmdet.Resize', scale=image_size, keep_ratio=True),
    dict(type='mmdet.LoadAnnotations', with_bbox=True, with_mask=True),
    dict(type='mmdet.PackDetInputs',
         meta_keys=('img_id', 'img_path', 'ori_shape', 'img_shape', 'scale_factor')),
]
train_dataloader = dict(batch_size=4, dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=test_pipeline))
test_dataloader = val_dataloader
