# ViT-Tiny SplitMask on the demo images (make demo): runs on 2 CPU cores.
# Reads every image under data_root recursively: point it at any folder with
#   --cfg-options train_dataloader.dataset.data_root=path/to/images
_base_ = [
    '../_base_/models/splitmask_vit-tiny-p16.py',
    '../_base_/datasets/pretrain_folder.py',
    '../_base_/schedules/splitmask_adamw-300e.py',
    '../_base_/pretrain_runtime.py',
]
model = dict(backbone=dict(img_size=128))
train_dataloader = dict(
    batch_size=32,
    num_workers=2,
    dataset=dict(
        data_root='data/demo/pretrain/',
        pipeline=[
            dict(type='LoadImageFromFile'),
            dict(type='RandomFlip', prob=0.5, direction='horizontal'),
            dict(type='RandomResizedCropAndInterpolationWithTwoPic', size=128,
                 second_size=64, interpolation='bicubic', second_interpolation='lanczos',
                 scale=(0.2, 1.0)),
            dict(type='ComplementaryMaskGenerator', input_size=8, mode='block'),
            dict(type='PackInputs', algorithm_keys=['subset'], meta_keys=['img_path']),
        ]))
env_cfg = dict(dist_cfg=dict(backend='gloo'))
default_hooks = dict(logger=dict(interval=10), checkpoint=dict(interval=10))
# Small batches on one machine: a fixed lr instead of scaling from batch 2048.
auto_scale_lr = dict(enable=False)
optim_wrapper = dict(optimizer=dict(lr=1e-3))
train_cfg = dict(max_epochs=60)
param_scheduler = [
    dict(type='LinearLR', start_factor=1e-3, by_epoch=True, begin=0, end=5,
         convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', eta_min=1e-5, by_epoch=True, begin=5, end=60,
         convert_to_iter_based=True),
]
