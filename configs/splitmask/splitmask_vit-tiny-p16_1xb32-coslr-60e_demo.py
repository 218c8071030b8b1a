# ViT-Tiny SplitMask on the demo images (make demo): runs on 2 CPU cores.
# Reads every image under data_root recursively: point it at any folder with
#   --cfg-options train_dataloader.dataset.data_root=path/to/images
_base_ = [
    '../_base_/models/splitmask_vit-tiny-p16.py',
    '../_base_/demo_pretrain.py',
]
model = dict(backbone=dict(img_size=128))
