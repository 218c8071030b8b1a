# UperNet with a ViT-Tiny on the demo scenes (make demo), CPU-sized.
# Fine-tune from SplitMask pre-training with
#   --cfg-options model.backbone.init_cfg.checkpoint=work_dirs/<pretrain>/epoch_60.pth
_base_ = [
    '../_base_/models/upernet_vit-base-p16.py',
    '../_base_/datasets/demo_semantic.py',
    '../_base_/schedules/upernet_adamw-160k.py',
    '../_base_/seg_runtime.py',
]
model = dict(
    data_preprocessor=dict(size=(128, 128)),
    # sin-cos positions as the demo pre-training and Mask R-CNN
    backbone=dict(arch='tiny', img_size=128, drop_path_rate=0.0, pos_embed='sincos',
                  pyramid=dict(norm_cfg=dict(type='BN'))),
    decode_head=dict(in_channels=[192] * 4, channels=128, num_classes=5,
                     norm_cfg=dict(type='BN')),
    auxiliary_head=dict(in_channels=192, channels=64, num_classes=5,
                        norm_cfg=dict(type='BN')),
    test_cfg=dict(mode='slide', crop_size=(128, 128), stride=(96, 96)))
# lr 1e-3 and layer decay 0.9 for a 400-iteration fine-tuning: lr 1e-3 beat 2e-4 for
# both inits in docs/demo_experiments.md; the small-scale study fine-tunes with these.
optim_wrapper = dict(optimizer=dict(lr=1e-3), paramwise_cfg=dict(layer_decay_rate=0.9))
max_iters = 2000
param_scheduler = [
    dict(type='LinearLR', start_factor=0.01, by_epoch=False, begin=0, end=100),
    dict(type='PolyLR', power=1.0, begin=100, end=max_iters, eta_min=0.0, by_epoch=False),
]
train_cfg = dict(max_iters=max_iters, val_interval=max_iters)
env_cfg = dict(dist_cfg=dict(backend='gloo'))
default_hooks = dict(logger=dict(interval=20),
                     checkpoint=dict(interval=500, max_keep_ckpts=1))
