# Fine-tune SplitMask ViT-B/16 pre-trained on the same data only. Paper top-1: 80.4 (SplitMask on iNat19 only; random init 68.1).
_base_ = [
    '../_base_/models/vit-base-p16_cls.py',
    '../_base_/finetune_recipe_inat-food.py',
    '../_base_/cls_runtime.py',
]
model = dict(
    backbone=dict(init_cfg=dict(
        type='Pretrained',
        checkpoint='work_dirs/splitmask_vit-base-p16_16xb128-amp-coslr-1400e_inat19/epoch_1400.pth',
        prefix='backbone.')),
    head=dict(num_classes=1010))
data_preprocessor = dict(num_classes=1010)
val_dataloader = dict(dataset=dict(type='INaturalist', data_root='data/inat2019/', ann_file='val2019.json'))
test_dataloader = val_dataloader
train_dataloader = dict(dataset=dict(type='INaturalist', data_root='data/inat2019/', ann_file='train2019.json'))
