_base_ = './splitmask_vit-base-p16.py'
model = dict(
    backbone=dict(arch='tiny', drop_path_rate=0.0),
    neck=dict(embed_dims=192, num_heads=3),
    head=dict(embed_dims=192))
