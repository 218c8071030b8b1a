# Pre-training on a folder of your own images by inheritance: one line (data_root).
# Every image under it is read, recursively; unreadable files are skipped and counted.
# For full scale inherit a ViT-S/B config instead, e.g.
#   _base_ = './splitmask_vit-small-p16_16xb128-amp-coslr-3000e_coco.py'
_base_ = './splitmask_vit-tiny-p16_1xb32-coslr-60e_demo.py'
train_dataloader = dict(dataset=dict(data_root='data/my_images/'))
