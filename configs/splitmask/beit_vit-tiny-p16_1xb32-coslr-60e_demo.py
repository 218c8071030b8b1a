# The BEiT baseline on the demo images, same ViT-Tiny, tokenizer and schedule as
# splitmask_vit-tiny-p16_1xb32-coslr-60e_demo.py.
_base_ = [
    '../_base_/models/beit_vit-tiny-p16.py',
    '../_base_/demo_pretrain.py',
]
model = dict(backbone=dict(img_size=128, pos_embed='sincos'))
train_dataloader = dict(dataset=dict(pipeline={{_base_.beit_train_pipeline}}))
