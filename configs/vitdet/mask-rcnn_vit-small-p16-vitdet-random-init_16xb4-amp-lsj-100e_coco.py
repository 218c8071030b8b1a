# Mask R-CNN ViTDet, ViT-S/16, as the ViT-B config (same schedule, layer decay 0.7 for
# the same depth of 12); backbone from random init.
_base_ = [
    '../_base_/models/mask-rcnn_vit-small-p16_vitdet.py',
    '../_base_/datasets/coco_instance_lsj.py',
    '../_base_/schedules/mask-rcnn_adamw-lsj-100e.py',
    '../_base_/det_runtime_iters.py',
]
