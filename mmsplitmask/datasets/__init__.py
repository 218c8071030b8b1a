from .coco_images import CocoImages
from .inaturalist import INaturalist
from .loading import LoadImageOrSkip
from .samplers import ResumableSampler
from .split_mask import ComplementaryMaskGenerator

__all__ = ['CocoImages', 'INaturalist', 'LoadImageOrSkip', 'ResumableSampler',
           'ComplementaryMaskGenerator']
