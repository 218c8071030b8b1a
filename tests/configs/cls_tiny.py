# The DomainNet fine-tuning recipe (folder + list file) with a 2-block, 64-wide ViT.
_base_ = '../../configs/classification/vit-base-p16-splitmask-clipart-pre_8xb128-300e_clipart.py'
model = dict(
    backbone=dict(arch=dict(_delete_=True, embed_dims=64, num_layers=2, num_heads=4),
                  img_size=64, init_cfg=None),
    head=dict(num_classes=4, in_channels=64))
data_preprocessor = dict(num_classes=4)
optim_wrapper = dict(type='OptimWrapper')
train_dataloader = dict(batch_size=4, num_workers=0, persistent_workers=False)
val_dataloader = dict(batch_size=4, num_workers=0, persistent_workers=False)
test_dataloader = val_dataloader
train_cfg = dict(max_epochs=1, val_interval=1)
val_evaluator = dict(topk=(1, ))  # 4 classes: no top-5
test_evaluator = val_evaluator
