# SplitMask ViT-Tiny of the small-scale study (tools/study/small_scale_study.py): layer scale
# 0.1 (as BEiT) in encoder and decoder, sin-cos positions (kept in transfer).
_base_ = ['../_base_/models/splitmask_vit-tiny-p16.py', '../_base_/study_pretrain.py']
model = dict(
    backbone=dict(img_size=128, pos_embed='sincos', layer_scale_init_value=0.1),
    neck=dict(layer_scale_init_value=0.1))
