# Mask R-CNN ViTDet, ViT-B/16, COCO 2017, large-scale jitter, 100 epochs at batch 64,
# AMP; backbone from random init. Every other ViT-B ViTDet config inherits this one
# and only says where its backbone comes from.
_base_ = [
    '../_base_/models/mask-rcnn_vit-base-p16_vitdet.py',
    '../_base_/datasets/coco_instance_lsj.py',
    '../_base_/schedules/mask-rcnn_adamw-lsj-100e.py',
    '../_base_/det_runtime_iters.py',
]
