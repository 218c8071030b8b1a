# Mask R-CNN, ViT-S/16 + FPN, COCO 2017, 3x schedule, AMP.
# Backbone: SplitMask pre-trained on COCO train2017 images only.
# Paper (3x): 45.3 box AP / 40.6 mask AP.
_base_ = [
    '../_base_/models/mask-rcnn_vit-small-p16_fpn.py',
    '../_base_/datasets/coco_instance_ms.py',
    '../_base_/schedules/mask-rcnn_adamw-3x.py',
    '../_base_/det_runtime.py',
]
model = dict(backbone=dict(init_cfg=dict(
    type='Pretrained',
    checkpoint='work_dirs/splitmask_vit-small-p16_16xb128-amp-coslr-3000e_coco/epoch_3000.pth',
    prefix='backbone.')))
optim_wrapper = dict(type='AmpOptimWrapper')
