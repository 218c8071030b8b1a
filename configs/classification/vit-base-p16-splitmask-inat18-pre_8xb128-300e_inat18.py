# Fine-tune SplitMask ViT-B/16 pre-trained on the same data only. Paper top-1: 74.6 (SplitMask on iNat18 only; random init 59.6).
_base_ = [
    '../_base_/models/vit-base-p16_cls.py',
    '../_base_/finetune_recipe_inat-food.py',
    '../_base_/cls_runtime.py',
]
model = dict(
    backbone=dict(init_cfg=dict(
        type='Pretrained',
        checkpoint='work_dirs/splitmask_vit-base-p16_16xb128-amp-coslr-800e_inat18/epoch_800.pth',
        prefix='backbone.')),
    head=dict(num_classes=8142))
data_preprocessor = dict(num_classes=8142)
val_dataloader = dict(dataset=dict(type='INaturalist', data_root='data/inat2018/', ann_file='val2018.json'))
test_dataloader = val_dataloader
train_dataloader = dict(dataset=dict(type='INaturalist', data_root='data/inat2018/', ann_file='train2018.json'))
