from .annotation_checks import AnnotationError, CheckSegLabels
from .coco_images import CocoImages
from .inaturalist import INaturalist
from .loading import LoadImageOrSkip
from .samplers import ResumableSampler
from .split_mask import ComplementaryMaskGenerator

__all__ = ['AnnotationError', 'CheckSegLabels', 'CocoImages', 'INaturalist', 'LoadImageOrSkip',
           'ResumableSampler',
           'ComplementaryMaskGenerator']
