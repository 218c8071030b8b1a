# Mask R-CNN, ViT-S/16 + FPN, COCO 2017, 3x schedule, AMP.
# Backbone: DeiT, ImageNet supervised; convert the release first:
#   python tools/model_converters/convert_vit.py deit_small_patch16_224.pth pretrain/deit_small_patch16_224-converted.pth --layout deit.
# Paper (3x): 44.2 / 40.1.
_base_ = [
    '../_base_/models/mask-rcnn_vit-small-p16_fpn.py',
    '../_base_/datasets/coco_instance_ms.py',
    '../_base_/schedules/mask-rcnn_adamw-3x.py',
    '../_base_/det_runtime.py',
]
model = dict(backbone=dict(init_cfg=dict(
    type='Pretrained',
    checkpoint='pretrain/deit_small_patch16_224-converted.pth',
    prefix=None)))
optim_wrapper = dict(type='AmpOptimWrapper')
