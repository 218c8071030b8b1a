"""mmsplitmask: SplitMask pre-training and ViT transfer for OpenMMLab.

Importing the package applies the torch compatibility patches and registers every
module with the registries of mmpretrain, mmdet and mmsegmentation. It imports no
model or dataset module of mmdet or mmseg, and nothing that needs mmcv's compiled
ops: what it adds to mmdet's datasets is applied when those are imported
(:mod:`mmsplitmask.deferred`), so pre-training runs with an mmcv built without ops.
"""
from . import compat  # noqa: F401  (first: checkpoint loading patches)
from . import datasets, engine, models  # noqa: F401

__version__ = '0.1.0'
