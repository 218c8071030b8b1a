# Fine-tune SplitMask ViT-B/16 pre-trained on the same data only. Paper top-1: 72.1 (random init 34.9), SplitMask on Sketch only.
# Same recipe and data layout as Clipart; only the domain changes.
_base_ = './vit-base-p16-splitmask-clipart-pre_8xb128-300e_clipart.py'
model = dict(backbone=dict(init_cfg=dict(
    checkpoint='work_dirs/splitmask_vit-base-p16_16xb128-amp-coslr-5000e_sketch/epoch_5000.pth')))
train_dataloader = dict(dataset=dict(ann_file='sketch_train.txt'))
val_dataloader = dict(dataset=dict(ann_file='sketch_test.txt'))
test_dataloader = val_dataloader
