# mmseg's runtime, plus our modules (SplitMaskViT, the layer-decay constructor).
_base_ = 'mmseg::_base_/default_runtime.py'
custom_imports = dict(imports=['mmsplitmask'], allow_failed_imports=False)
