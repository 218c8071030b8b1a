# ViTDet's schedule: 100 COCO epochs at batch 64 (16 GPUs x 4) = 184,375 iterations,
# AdamW lr 1e-4, weight decay 0.1 (none on norms, biases, positions), layer-wise lr
# decay 0.7, 250-iteration linear warm-up, lr x0.1 at 163,889 and 177,546 iterations
# (88.9 and 96.3 epochs of 118,000 images), mixed precision.
optim_wrapper = dict(
    type='AmpOptimWrapper',
    constructor='LayerDecayOptimWrapperConstructor',
    optimizer=dict(type='AdamW', lr=1e-4, betas=(0.9, 0.999), weight_decay=0.1),
    paramwise_cfg=dict(layer_decay_rate=0.7))
max_iters = 184375
interval = 5000
train_cfg = dict(_delete_=True, type='IterBasedTrainLoop', max_iters=max_iters,
                 val_interval=interval, dynamic_intervals=[(max_iters // interval * interval + 1,
                                                            max_iters)])
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
param_scheduler = [
    dict(type='LinearLR', start_factor=0.001, by_epoch=False, begin=0, end=250),
    dict(type='MultiStepLR', begin=0, end=max_iters, by_epoch=False,
         milestones=[163889, 177546], gamma=0.1),
]
auto_scale_lr = dict(enable=False, base_batch_size=64)
