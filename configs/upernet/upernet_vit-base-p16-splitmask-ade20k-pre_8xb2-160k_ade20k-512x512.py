# UperNet, ViT-B/16, ADE20K 512x512, 160k iterations, layer decay 0.65.
# Backbone: SplitMask pre-trained on ADE20K images only. Paper: 45.7 mIoU.
_base_ = [
    '../_base_/models/upernet_vit-base-p16.py',
    '../_base_/datasets/ade20k_512.py',
    '../_base_/schedules/upernet_adamw-160k.py',
    '../_base_/seg_runtime.py',
]
model = dict(backbone=dict(init_cfg=dict(
    type='Pretrained',
    checkpoint='work_dirs/splitmask_vit-base-p16_16xb128-amp-coslr-21000e_ade20k/epoch_21000.pth',
    prefix='backbone.')))
train_dataloader = dict(batch_size=2)
