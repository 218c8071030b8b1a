_base_ = './mask-rcnn_vit-small-p16_vitdet.py'
model = dict(backbone=dict(arch='base'), neck=dict(in_channels=768))
