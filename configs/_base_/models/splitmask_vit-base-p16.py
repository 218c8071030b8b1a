# SplitMask with ViT-B/16: shared encoder, 2-layer decoder, random-projection targets.
model = dict(
    type='SplitMask',
    # Whole images (extract_feat, FeatureExtractor) give the last block's patch tokens
    # as a (B, C, h, w) map; pre-training's half sequences always get the raw tokens.
    backbone=dict(type='SplitMaskViT', arch='base', img_size=224, patch_size=16,
                  drop_path_rate=0.1, pos_embed='learned', out_type='featmap'),
    neck=dict(type='SplitMaskDecoder', embed_dims=768, num_heads=12, num_layers=2),
    head=dict(
        type='SplitMaskHead',
        embed_dims=768,
        vocab_size=8192,
        temperature=0.2,  # from MoCo v3, as the paper
        match_loss_weight=1.0,  # paper silent: default 1.0
        normalize=True,  # paper silent: l2-normalised as MoCo v3
        projector=None),  # paper silent: no projection head
    target_generator=dict(type='RandomProjectionTokenizer', vocab_size=8192, seed=0),
    # TwoNormDataPreprocessor that also normalises single images (feature extraction)
    data_preprocessor=dict(
        type='PretrainDataPreprocessor',
        mean=[123.675, 116.28, 103.53],
        std=[58.395, 57.12, 57.375],
        # the tokenizer takes the half-resolution image in [0, 1]
        second_mean=[0.0, 0.0, 0.0],
        second_std=[255.0, 255.0, 255.0],
        to_rgb=True))
