_base_ = './mask-rcnn_vit-small-p16_fpn.py'
model = dict(backbone=dict(arch='base'), neck=dict(in_channels=[768, 768, 768, 768]))
