# splitmask_tiny.py with drop path 0.5 and each rank's first drop-path mask recorded
# (tests/reliability_faults.py; tests/ must be on PYTHONPATH; set the hook's out_dir).
_base_ = './splitmask_tiny.py'
custom_imports = dict(imports=['mmsplitmask', 'reliability_faults'], allow_failed_imports=False)
model = dict(backbone=dict(drop_path_rate=0.5))
custom_hooks = [
    dict(type='NonFiniteLossHook', max_consecutive=10),
    dict(type='ExactResumeHook'),
    dict(type='GlobalMeanLogHook'),
    dict(type='SkippedImagesHook', interval=50),
    dict(type='RecordDropPathMasksHook', out_dir='masks'),
]
