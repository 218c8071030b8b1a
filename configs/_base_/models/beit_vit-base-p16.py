# BEiT baseline on the same plain ViT (no layer scale, as SplitMask) and the same random-projection targets (mmpretrain's
# BEiT algorithm; our backbone so the checkpoint transfers like SplitMask's).
model = dict(
    type='BEiT',
    # whole images: the last block's patch tokens as (B, C, h, w), as SplitMask's
    backbone=dict(type='MaskedTokenViT', arch='base', img_size=224, patch_size=16,
                  drop_path_rate=0.1, out_type='featmap'),
    neck=None,
    head=dict(type='BEiTTokenHead', embed_dims=768, num_embed=8192,
              loss=dict(type='CrossEntropyLoss')),
    target_generator=dict(type='RandomProjectionTokenizer', vocab_size=8192, seed=0),
    data_preprocessor=dict(
        type='PretrainDataPreprocessor',
        mean=[123.675, 116.28, 103.53],
        std=[58.395, 57.12, 57.375],
        second_mean=[0.0, 0.0, 0.0],
        second_std=[255.0, 255.0, 255.0],
        to_rgb=True))
