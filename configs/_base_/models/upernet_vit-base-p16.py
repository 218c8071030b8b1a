# UperNet with a plain ViT-B/16 (BEiT/MAE recipe): blocks 4, 6, 8, 12 -> strides
# 4/8/16/32 in the backbone, UPerHead on all four, FCN auxiliary head on stride 16.
_base_ = 'mmseg::_base_/models/upernet_beit.py'
model = dict(
    pretrained=None,
    data_preprocessor=dict(size=(512, 512)),  # pad training crops to 512x512
    backbone=dict(
        _delete_=True,
        type='SplitMaskViT',
        arch='base',
        img_size=512,
        patch_size=16,
        drop_path_rate=0.1,
        pos_embed='learned',
        out_indices=(3, 5, 7, 11),
        out_type='featmap',
        pyramid=dict(norm_cfg=dict(type='SyncBN', requires_grad=True))),
    neck=None,  # the pyramid is built inside the backbone (same for mmdet)
    decode_head=dict(in_channels=[768, 768, 768, 768], channels=768, num_classes=150),
    auxiliary_head=dict(in_channels=768, num_classes=150),
    test_cfg=dict(mode='slide', crop_size=(512, 512), stride=(341, 341)))
