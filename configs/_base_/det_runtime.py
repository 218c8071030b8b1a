# mmdet's runtime, plus our modules (SplitMaskViT, the layer-decay constructor).
_base_ = 'mmdet::_base_/default_runtime.py'
custom_imports = dict(imports=['mmsplitmask'], allow_failed_imports=False)
default_hooks = dict(checkpoint=dict(interval=1, max_keep_ckpts=3))
