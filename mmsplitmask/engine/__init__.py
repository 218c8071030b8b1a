from .hooks import (ExactResumeHook, GlobalMeanLogHook, NonFiniteLossError, NonFiniteLossHook,
                    SkippedImagesHook)
from .layer_decay import LayerDecayOptimWrapperConstructor

__all__ = ['ExactResumeHook', 'GlobalMeanLogHook', 'LayerDecayOptimWrapperConstructor',
           'NonFiniteLossError', 'NonFiniteLossHook', 'SkippedImagesHook']
