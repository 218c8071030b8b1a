# mmpretrain's own MAE, the external control of the small-scale study: a ViT-Tiny on the
# same images, crops and schedule as splitmask_vit-tiny-p16_1xb32-3k-iters_study.py.
# Decoder as shallow and as wide as SplitMask's (2 blocks at 192); normalised-pixel
# targets, 75% of the patches masked (MAE's recipe).
_base_ = ['../_base_/study_pretrain.py']
model = dict(
    type='MAE',
    backbone=dict(type='MAEViT', arch='deit-tiny', img_size=128, patch_size=16,
                  mask_ratio=0.75),
    neck=dict(type='MAEPretrainDecoder', num_patches=64, patch_size=16, in_chans=3,
              embed_dim=192, decoder_embed_dim=192, decoder_depth=2, decoder_num_heads=3,
              mlp_ratio=4.0),
    head=dict(type='MAEPretrainHead', norm_pix=True, patch_size=16,
              loss=dict(type='PixelReconstructionLoss', criterion='L2')),
    data_preprocessor=dict(type='SelfSupDataPreprocessor', mean=[123.675, 116.28, 103.53],
                           std=[58.395, 57.12, 57.375], to_rgb=True),
    init_cfg=[dict(type='Xavier', layer='Linear', distribution='uniform'),
              dict(type='Constant', layer='LayerNorm', val=1.0, bias=0.0)])
train_pipeline = [
    dict(type='mmpretrain.LoadImageOrSkip'),
    dict(type='mmpretrain.RandomResizedCrop', scale=128, crop_ratio_range=(0.2, 1.0),
         backend='pillow', interpolation='bicubic'),
    dict(type='mmpretrain.RandomFlip', prob=0.5),
    dict(type='mmpretrain.PackInputs'),
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
