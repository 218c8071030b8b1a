# ViT-Tiny SplitMask on the demo images (make demo): runs on 2 CPU cores.
# Reads every image under data_root recursively: point it at any folder with
#   --cfg-options train_dataloader.dataset.data_root=path/to/images
_base_ = [
    '../_base_/models/splitmask_vit-tiny-p16.py',
    '../_base_/demo_pretrain.py',
]
# Fixed sin-cos positions, as the detection transfer uses (PAPER.md): the fine-tuned
# encoder then sees the positions it was pre-trained with.
model = dict(backbone=dict(img_size=128, pos_embed='sincos'))
