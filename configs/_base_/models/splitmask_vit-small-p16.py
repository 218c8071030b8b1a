_base_ = './splitmask_vit-base-p16.py'
model = dict(
    backbone=dict(arch='small'),
    neck=dict(embed_dims=384, num_heads=6),
    head=dict(embed_dims=384))
