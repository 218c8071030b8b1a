from .beit_baseline import MaskedTokenViT
from .data_preprocessor import PretrainDataPreprocessor
from .decoder import SplitMaskDecoder
from .heads import BEiTTokenHead, SplitMaskHead
from .simple_pyramid import SimpleFeaturePyramid
from .splitmask import SplitMask
from .tokenizers import CodebookTokenizer, DALLETokenizer, RandomProjectionTokenizer
from .vit import SplitMaskViT

__all__ = [
    'SplitMaskViT', 'MaskedTokenViT', 'SplitMaskDecoder', 'SplitMaskHead', 'BEiTTokenHead',
    'SplitMask', 'PretrainDataPreprocessor', 'RandomProjectionTokenizer', 'CodebookTokenizer',
    'DALLETokenizer', 'SimpleFeaturePyramid'
]
