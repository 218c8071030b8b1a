# Fine-tune SplitMask ViT-B/16 pre-trained on the same data only. Paper top-1: 72.0 (random init 37.6), SplitMask on Painting only.
_base_ = [
    '../_base_/models/vit-base-p16_cls.py',
    '../_base_/datasets/finetune_224.py',
    '../_base_/schedules/finetune_adamw-300e.py',
    '../_base_/cls_runtime.py',
]
model = dict(
    backbone=dict(init_cfg=dict(
        type='Pretrained',
        checkpoint='work_dirs/splitmask_vit-base-p16_16xb128-amp-coslr-5000e_painting/epoch_5000.pth',
        prefix='backbone.')),
    head=dict(num_classes=345))
data_preprocessor = dict(num_classes=345)
train_dataloader = dict(dataset=dict(type='CustomDataset', data_root='data/domainnet/', ann_file='painting_train.txt'))
val_dataloader = dict(dataset=dict(type='CustomDataset', data_root='data/domainnet/', ann_file='painting_test.txt'))
test_dataloader = val_dataloader
# Cars/DomainNet recipe: lr 4e-3, layer decay 0.65, 60 warmup epochs, RandAugment 9/0.5.
