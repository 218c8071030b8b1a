# UperNet, ViT-B/16, ADE20K 512x512, 160k iterations, layer decay 0.65.
# Backbone: random initialisation. Paper: 25.4 mIoU.
_base_ = [
    '../_base_/models/upernet_vit-base-p16.py',
    '../_base_/datasets/ade20k_512.py',
    '../_base_/schedules/upernet_adamw-160k.py',
    '../_base_/seg_runtime.py',
]
train_dataloader = dict(batch_size=2)
