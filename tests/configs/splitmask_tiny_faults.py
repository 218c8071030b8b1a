# splitmask_tiny.py with a NaN loss on rank 1 at iteration 2 (tests/reliability_faults.py;
# tests/ must be on PYTHONPATH).
_base_ = './splitmask_tiny.py'
custom_imports = dict(imports=['mmsplitmask', 'reliability_faults'], allow_failed_imports=False)
custom_hooks = [
    dict(type='NonFiniteLossHook', max_consecutive=10),
    dict(type='ExactResumeHook'),
    dict(type='GlobalMeanLogHook'),
    dict(type='SkippedImagesHook', interval=50),
    dict(type='InjectNaNHook', iters=[2], rank=1),
]
