from .beit_baseline import MaskedTokenViT
from .decoder import SplitMaskDecoder
from .heads import BEiTTokenHead, SplitMaskHead
from .splitmask import SplitMask
from .tokenizers import CodebookTokenizer, DALLETokenizer, RandomProjectionTokenizer
from .vit import SplitMaskViT

__all__ = [
    'SplitMaskViT', 'MaskedTokenViT', 'SplitMaskDecoder', 'SplitMaskHead', 'BEiTTokenHead',
    'SplitMask', 'RandomProjectionTokenizer', 'CodebookTokenizer', 'DALLETokenizer'
]
