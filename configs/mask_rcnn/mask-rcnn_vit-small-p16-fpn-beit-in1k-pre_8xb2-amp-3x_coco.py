# Mask R-CNN, ViT-S/16 + FPN, COCO 2017, 3x schedule, AMP.
# Backbone: official BEiT ImageNet release (layer scale, relative position bias per block):
#   python tools/model_converters/convert_vit.py beit.pth pretrain/beit_small_patch16_224_pt22k-converted.pth --layout beit
# Paper (3x): 44.5 / 40.3.
_base_ = [
    '../_base_/models/mask-rcnn_vit-small-p16_fpn.py',
    '../_base_/datasets/coco_instance_ms.py',
    '../_base_/schedules/mask-rcnn_adamw-3x.py',
    '../_base_/det_runtime.py',
]
model = dict(backbone=dict(layer_scale_init_value=0.1, rel_pos='beit', init_cfg=dict(
    type='Pretrained',
    checkpoint='pretrain/beit_small_patch16_224_pt22k-converted.pth',
    prefix=None)))
optim_wrapper = dict(type='AmpOptimWrapper')
