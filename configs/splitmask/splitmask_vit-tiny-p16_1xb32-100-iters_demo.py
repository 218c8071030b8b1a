# ViT-Tiny SplitMask for `make demo`: the small-scale study's recipe (lr 3e-4 after a 10%
# warm-up, sin-cos positions) without layer scale, its best SplitMask arm
# (docs/small_scale_study.md), cut to 100 updates on the demo's shape-only scenes; the
# budget was chosen from the probes of docs/demo_experiments.md. Any image folder:
#   --cfg-options train_dataloader.dataset.data_root=path/to/images
_base_ = ['../study/splitmask_vit-tiny-p16_1xb32-3k-iters_study.py']
model = dict(backbone=dict(layer_scale_init_value=0.0), neck=dict(layer_scale_init_value=0.0))
max_iters = 100
warmup_iters = 10
train_cfg = dict(max_iters=max_iters)
param_scheduler = [
    dict(type='LinearLR', start_factor=1e-3, by_epoch=False, begin=0, end=warmup_iters),
    dict(type='CosineAnnealingLR', eta_min=1e-6, by_epoch=False, begin=warmup_iters,
         end=max_iters),
]
train_dataloader = dict(dataset=dict(data_root='data/demo_shape/pretrain/'))
# a checkpoint every 50 updates, so that a killed demo resumes
default_hooks = dict(logger=dict(interval=10), checkpoint=dict(interval=50))
# the probe of the demo's table (tools/analysis_tools/probe.py, several seeds) replaces
# the study's in-training ProbeHook
custom_hooks = [
    dict(type='NonFiniteLossHook', max_consecutive=10),
    dict(type='ExactResumeHook'),
    dict(type='GlobalMeanLogHook'),
    dict(type='SkippedImagesHook', interval=50),
]
