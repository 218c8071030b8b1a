# Runtime shared by pre-training configs (mmpretrain scope).
default_scope = 'mmpretrain'
custom_imports = dict(imports=['mmsplitmask'], allow_failed_imports=False)

default_hooks = dict(
    runtime_info=dict(type='RuntimeInfoHook'),
    timer=dict(type='IterTimerHook'),
    logger=dict(type='LoggerHook', interval=50),
    param_scheduler=dict(type='ParamSchedulerHook'),
    # Keep the last 3 epoch checkpoints; resume continues from the newest.
    checkpoint=dict(type='CheckpointHook', interval=1, max_keep_ckpts=3),
    sampler_seed=dict(type='DistSamplerSeedHook'),
)
# Long runs (docs/reliability.md): skip NaN/inf steps and stop after 10 in a row with
# the last good state saved; resume part-way through an epoch exactly (with the
# ResumableSampler of the pre-training datasets); log the mean over all processes
# and the number of unreadable images skipped.
custom_hooks = [
    dict(type='NonFiniteLossHook', max_consecutive=10),
    dict(type='ExactResumeHook'),
    dict(type='GlobalMeanLogHook'),
    dict(type='SkippedImagesHook', interval=50),
]
env_cfg = dict(
    cudnn_benchmark=False,
    mp_cfg=dict(mp_start_method='fork', opencv_num_threads=0),
    dist_cfg=dict(backend='nccl'),
)
vis_backends = [dict(type='LocalVisBackend')]
visualizer = dict(type='UniversalVisualizer', vis_backends=vis_backends)
log_processor = dict(window_size=10, custom_cfg=[dict(data_src='', method='mean', window_size='global')])
log_level = 'INFO'
load_from = None
resume = False
randomness = dict(seed=0, diff_rank_seed=True)
