# Everything but the model for CPU demo pre-training: the demo images, 60 epochs,
# fixed lr 1e-3 (no scaling from batch 2048), gloo for multi-process CPU runs.
_base_ = ['./datasets/pretrain_demo.py', './schedules/splitmask_adamw-300e.py',
          './pretrain_runtime.py']
auto_scale_lr = dict(enable=False)
optim_wrapper = dict(optimizer=dict(lr=1e-3))
train_cfg = dict(max_epochs=60)
param_scheduler = [
    dict(type='LinearLR', start_factor=1e-3, by_epoch=True, begin=0, end=5,
         convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', eta_min=1e-5, by_epoch=True, begin=5, end=60,
         convert_to_iter_based=True),
]
env_cfg = dict(dist_cfg=dict(backend='gloo'))
default_hooks = dict(logger=dict(interval=10), checkpoint=dict(interval=10))
