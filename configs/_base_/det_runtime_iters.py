# det_runtime.py for iteration-based schedules: checkpoints every 5,000 iterations
# (the validation interval of mask-rcnn_adamw-lsj-100e.py), logs by iteration.
_base_ = './det_runtime.py'
default_hooks = dict(checkpoint=dict(by_epoch=False, interval=5000, max_keep_ckpts=3,
                                     save_last=True))
log_processor = dict(by_epoch=False)
