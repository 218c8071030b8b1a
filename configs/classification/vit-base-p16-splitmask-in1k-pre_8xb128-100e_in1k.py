# ImageNet-1k fine-tuning of SplitMask ViT-B/16 pre-trained on ImageNet (300 epochs).
# Paper top-1: 83.6 (BEiT 82.8). The paper gives no ImageNet-specific recipe beyond
# Table 9; this follows BEiT's: 100 epochs, lr 4e-3 at 1024, layer decay 0.65, 20 warmup.
_base_ = [
    '../_base_/models/vit-base-p16_cls.py',
    '../_base_/datasets/finetune_224.py',
    '../_base_/schedules/finetune_adamw-300e.py',
    '../_base_/cls_runtime.py',
]
model = dict(backbone=dict(init_cfg=dict(
    type='Pretrained',
    checkpoint='work_dirs/splitmask_vit-base-p16_16xb128-amp-coslr-300e_in1k/epoch_300.pth',
    prefix='backbone.')))
train_dataloader = dict(dataset=dict(type='ImageNet', data_root='data/imagenet/', split='train'))
val_dataloader = dict(dataset=dict(type='ImageNet', data_root='data/imagenet/', split='val'))
test_dataloader = val_dataloader
train_cfg = dict(max_epochs=100)
param_scheduler = [
    dict(type='LinearLR', start_factor=1e-4, by_epoch=True, begin=0, end=20,
         convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', eta_min=1e-6, by_epoch=True, begin=20, end=100,
         convert_to_iter_based=True),
]
