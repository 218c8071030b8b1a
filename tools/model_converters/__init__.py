"""Checkpoint converters: ViT weights of timm/DeiT, BEiT, MAE, mmpretrain and SplitMask
into this repository's layout (convert_vit.py)."""
