# Image classification fine-tuning with the SplitMask ViT-B: mean of the patch
# tokens after the final norm, a linear head, label smoothing 0.1, mixup 0.8 and
# cutmix 1.0 (PAPER.md, Table 9 recipe).
model = dict(
    type='ImageClassifier',
    backbone=dict(type='SplitMaskViT', arch='base', img_size=224, patch_size=16,
                  drop_path_rate=0.1, out_type='avg_featmap'),
    neck=None,
    head=dict(
        type='LinearClsHead',
        num_classes=1000,
        in_channels=768,
        loss=dict(type='LabelSmoothLoss', label_smooth_val=0.1, mode='original'),
        init_cfg=[dict(type='TruncNormal', layer='Linear', std=2e-5)]),
    train_cfg=dict(augments=[dict(type='Mixup', alpha=0.8), dict(type='CutMix', alpha=1.0)]))
