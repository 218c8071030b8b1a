# Backbone: official BEiT ViT-B release (layer scale, relative position bias shared
# by the blocks, copied into each by the converter; no absolute positions):
#   python tools/model_converters/convert_vit.py beit_base_patch16_224_pt22k.pth \
#       pretrain/beit_vit-base-p16_pt22k-converted.pth --layout beit
_base_ = './mask-rcnn_vit-base-p16-vitdet-random-init_16xb4-amp-lsj-100e_coco.py'
model = dict(backbone=dict(layer_scale_init_value=0.1, init_cfg=dict(
    type='Pretrained', checkpoint='pretrain/beit_vit-base-p16_pt22k-converted.pth',
    prefix=None, pos_embed_init='zeros',
    # BEiT's per-block tables (kept by the paper-protocol configs in configs/mask_rcnn)
    # have no place in ViTDet's attention, whose decomposed tables start from zero.
    allow_unexpected=['blocks.*.attn.rel_pos.table'])))
