# Fine-tune SplitMask ViT-B/16 pre-trained on the same data only. Paper top-1: 91.2 (SplitMask on Food101 only; random init 83.3).
_base_ = [
    '../_base_/models/vit-base-p16_cls.py',
    '../_base_/finetune_recipe_inat-food.py',
    '../_base_/cls_runtime.py',
]
model = dict(
    backbone=dict(init_cfg=dict(
        type='Pretrained',
        checkpoint='work_dirs/splitmask_vit-base-p16_16xb128-amp-coslr-5000e_food101/epoch_5000.pth',
        prefix='backbone.')),
    head=dict(num_classes=101))
data_preprocessor = dict(num_classes=101)
val_dataloader = dict(dataset=dict(type='Food101', data_root='data/food-101/', split='test'))
test_dataloader = val_dataloader
train_dataloader = dict(dataset=dict(type='Food101', data_root='data/food-101/', split='train'))
