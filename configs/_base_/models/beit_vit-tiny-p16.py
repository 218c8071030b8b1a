_base_ = './beit_vit-base-p16.py'
model = dict(backbone=dict(arch='tiny', drop_path_rate=0.0), head=dict(embed_dims=192))
