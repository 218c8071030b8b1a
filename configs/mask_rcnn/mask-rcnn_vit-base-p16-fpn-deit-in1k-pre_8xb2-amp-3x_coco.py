# Mask R-CNN, ViT-B/16 + FPN, COCO 2017, 3x schedule, AMP.
# Backbone: DeiT, ImageNet supervised; convert the release first:
#   python tools/model_converters/convert_vit.py deit_base_patch16_224.pth pretrain/deit_base_patch16_224-converted.pth --layout deit.
# Paper (3x): 45.5 / 41.0.
_base_ = [
    '../_base_/models/mask-rcnn_vit-base-p16_fpn.py',
    '../_base_/datasets/coco_instance_ms.py',
    '../_base_/schedules/mask-rcnn_adamw-3x.py',
    '../_base_/det_runtime.py',
]
model = dict(backbone=dict(init_cfg=dict(
    type='Pretrained',
    checkpoint='pretrain/deit_base_patch16_224-converted.pth',
    prefix=None)))
optim_wrapper = dict(type='AmpOptimWrapper')
