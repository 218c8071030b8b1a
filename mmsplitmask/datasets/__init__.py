from .coco_images import CocoImages
from .split_mask import ComplementaryMaskGenerator

__all__ = ['CocoImages', 'ComplementaryMaskGenerator']
