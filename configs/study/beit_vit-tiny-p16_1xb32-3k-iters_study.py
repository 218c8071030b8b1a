# BEiT of the small-scale study: the same ViT-Tiny, tokenizer, data and schedule as
# splitmask_vit-tiny-p16_1xb32-3k-iters_study.py (mmpretrain's BEiT algorithm).
_base_ = ['../_base_/models/beit_vit-tiny-p16.py', '../_base_/study_pretrain.py']
model = dict(backbone=dict(img_size=128, pos_embed='sincos', layer_scale_init_value=0.1))
train_dataloader = dict(dataset=dict(pipeline={{_base_.beit_train_pipeline}}))
