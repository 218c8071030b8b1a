# Mask R-CNN ViTDet with a ViT-Tiny on the demo scenes (make demo), CPU-sized: the
# ViT-S ViTDet model and ViTDet's recipe at 256 px (a 16x16 map, windows of 8, global
# blocks 2, 5, 8, 11), 128-channel pyramid and heads. Fine-tune from the demo's
# SplitMask pre-training (sin-cos positions, 128 px: the learnable table starts from
# them) with
#   --cfg-options model.backbone.init_cfg.type=Pretrained \
#       model.backbone.init_cfg.checkpoint=work_dirs/<pretrain>/epoch_60.pth \
#       model.backbone.init_cfg.prefix=backbone. model.backbone.init_cfg.pos_embed_init=sincos
_base_ = [
    '../_base_/models/mask-rcnn_vit-small-p16_vitdet.py',
    '../_base_/datasets/demo_instance.py',
    '../_base_/schedules/mask-rcnn_adamw-3x.py',
    '../_base_/det_runtime.py',
]
image_size = (256, 256)
roi_layer = dict(type='RoIAlign', sampling_ratio=2, use_torchvision=True)
model = dict(
    data_preprocessor=dict(pad_size_divisor=image_size[0], batch_augments=[
        dict(type='mmdet.BatchFixedSizePad', size=image_size, pad_mask=True)]),
    backbone=dict(arch='tiny', img_size=128, drop_path_rate=0.0, window_size=8,
                  rel_pos_map_size=image_size[0] // 16),
    neck=dict(in_channels=192, out_channels=128),
    rpn_head=dict(in_channels=128, feat_channels=128),
    roi_head=dict(
        bbox_roi_extractor=dict(out_channels=128, roi_layer=dict(roi_layer, output_size=7)),
        bbox_head=dict(in_channels=128, conv_out_channels=128, num_classes=4),
        mask_roi_extractor=dict(out_channels=128, roi_layer=dict(roi_layer, output_size=14)),
        mask_head=dict(in_channels=128, conv_out_channels=128, num_classes=4)),
    train_cfg=dict(rcnn=dict(sampler=dict(num=128))))
# Large-scale jitter at this size (configs/_base_/datasets/coco_instance_lsj.py at 1024,
# which says why the names are scoped).
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
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=test_pipeline))
test_dataloader = val_dataloader
optim_wrapper = dict(optimizer=dict(lr=2e-4, weight_decay=0.1),
                     paramwise_cfg=dict(layer_decay_rate=0.7))
max_epochs = 24
train_cfg = dict(max_epochs=max_epochs, val_interval=max_epochs)
param_scheduler = [
    dict(type='LinearLR', start_factor=0.001, by_epoch=False, begin=0, end=50),
    dict(type='MultiStepLR', begin=0, end=max_epochs, by_epoch=True, milestones=[21, 23]),
]
env_cfg = dict(dist_cfg=dict(backend='gloo'))
default_hooks = dict(logger=dict(interval=10), checkpoint=dict(interval=8))
