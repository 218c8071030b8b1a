"""mmsplitmask: SplitMask pre-training and ViT transfer for OpenMMLab.

Importing the package applies the torch compatibility patches and registers every
module with the registries of mmpretrain, mmdet and mmsegmentation.
"""
from . import compat  # noqa: F401  (first: checkpoint loading patches)
from . import datasets, engine, models  # noqa: F401

__version__ = '0.1.0'
