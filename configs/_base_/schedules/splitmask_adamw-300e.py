# BEiT's recipe: AdamW lr 1.5e-3 at batch 2048 (scaled linearly by auto_scale_lr),
# 10 warmup epochs (6,250 updates on ImageNet), cosine, weight decay 0.05 (none on
# norms, biases, tokens and position embeddings), gradient clipping 3.0. Configs with
# other epoch counts override train_cfg.max_epochs and both stages: the warm-up is
# sized by updates there (6,250, or 1/30 of a shorter schedule), not by epochs.
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='AdamW', lr=1.5e-3, betas=(0.9, 0.999), weight_decay=0.05),
    clip_grad=dict(max_norm=3.0),
    paramwise_cfg=dict(
        norm_decay_mult=0.0,
        bias_decay_mult=0.0,
        custom_keys={
            'pos_embed': dict(decay_mult=0.0),
            'cls_token': dict(decay_mult=0.0),
            'mask_token': dict(decay_mult=0.0),
            '.gamma': dict(decay_mult=0.0),
        }))
param_scheduler = [
    dict(type='LinearLR', start_factor=1e-4, by_epoch=True, begin=0, end=10,
         convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', eta_min=1e-5, by_epoch=True, begin=10, end=300,
         convert_to_iter_based=True),
]
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=300)
auto_scale_lr = dict(base_batch_size=2048, enable=True)
