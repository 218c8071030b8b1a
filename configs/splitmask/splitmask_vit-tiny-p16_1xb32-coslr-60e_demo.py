# ViT-Tiny SplitMask on the demo images (make demo): runs on 2 CPU cores.
# Reads every image under data_root recursively: point it at any folder with
#   --cfg-options train_dataloader.dataset.data_root=path/to/images
_base_ = [
    '../_base_/models/splitmask_vit-tiny-p16.py',
    '../_base_/demo_pretrain.py',
]
# Fixed sin-cos positions, as the detection transfer uses (PAPER.md): the fine-tuned
# encoder then sees the positions it was pre-trained with.
model = dict(backbone=dict(img_size=128, pos_embed='sincos'))
# The dense probe of the encoder every 100 updates on the labelled demo scenes, logged
# beside the losses (tools/analysis_tools/analyze_logs.py --keys probe/dense_miou).
# Where seg_root has
# no labelled scenes (a config inheriting this one for other images), it warns and is off.
custom_hooks = [
    dict(type='NonFiniteLossHook', max_consecutive=10),
    dict(type='ExactResumeHook'),
    dict(type='GlobalMeanLogHook'),
    dict(type='SkippedImagesHook', interval=50),
    dict(type='ProbeHook', seg_root='data/demo', interval=100, max_train=80, max_val=40),
]
