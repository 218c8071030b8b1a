# Backbone: official MAE ViT-B ImageNet-1k release (mae_pretrain_vit_base.pth):
#   python tools/model_converters/convert_vit.py mae_pretrain_vit_base.pth \
#       pretrain/mae_vit-base-p16_in1k-converted.pth --layout mae
# Published with this protocol: 51.6 box / 45.9 mask AP (detectron2), 51.6 / 45.7 (mmdet).
_base_ = './mask-rcnn_vit-base-p16-vitdet-random-init_16xb4-amp-lsj-100e_coco.py'
model = dict(backbone=dict(init_cfg=dict(
    type='Pretrained', checkpoint='pretrain/mae_vit-base-p16_in1k-converted.pth',
    prefix=None)))
