# UperNet, ViT-B/16, ADE20K 512x512, 160k iterations, layer decay 0.65.
# Backbone: DeiT, ImageNet supervised (convert with tools/model_converters/convert_vit.py --layout deit). Paper: 46.1 mIoU.
_base_ = [
    '../_base_/models/upernet_vit-base-p16.py',
    '../_base_/datasets/ade20k_512.py',
    '../_base_/schedules/upernet_adamw-160k.py',
    '../_base_/seg_runtime.py',
]
model = dict(backbone=dict(init_cfg=dict(
    type='Pretrained',
    checkpoint='pretrain/deit_base_patch16_224-converted.pth',
    prefix=None)))
train_dataloader = dict(batch_size=2)
