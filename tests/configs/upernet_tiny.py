# The demo UperNet with a 2-block, 64-wide ViT (taps repeat blocks 1-2).
_base_ = '../../configs/upernet/upernet_vit-tiny-p16_1xb4-2k_demo.py'
model = dict(
    backbone=dict(arch=dict(_delete_=True, embed_dims=64, num_layers=2, num_heads=4),
                  out_indices=(0, 0, 1, 1)),
    decode_head=dict(in_channels=[64] * 4, channels=64),
    auxiliary_head=dict(in_channels=64, channels=32))
