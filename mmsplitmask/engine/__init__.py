from .hooks import (ExactResumeHook, GlobalMeanLogHook, NonFiniteLossError, NonFiniteLossHook,
                    SkippedImagesHook)
from .layer_decay import LayerDecayOptimWrapperConstructor
from .probe_hook import ProbeHook

__all__ = ['ExactResumeHook', 'GlobalMeanLogHook', 'LayerDecayOptimWrapperConstructor',
           'NonFiniteLossError', 'NonFiniteLossHook', 'ProbeHook', 'SkippedImagesHook']
