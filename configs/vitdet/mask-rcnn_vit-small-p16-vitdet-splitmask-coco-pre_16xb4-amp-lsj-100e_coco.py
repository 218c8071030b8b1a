# Backbone: SplitMask ViT-S pre-trained on COCO train2017 images only.
_base_ = './mask-rcnn_vit-small-p16-vitdet-random-init_16xb4-amp-lsj-100e_coco.py'
model = dict(backbone=dict(init_cfg=dict(
    type='Pretrained',
    checkpoint='work_dirs/splitmask_vit-small-p16_16xb128-amp-coslr-3000e_coco/epoch_3000.pth',
    prefix='backbone.',
    pos_embed_init='sincos')))
