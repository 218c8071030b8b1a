"""Normalisation for pre-training batches and for single images (feature extraction)."""
from mmpretrain.models.utils.data_preprocessor import (SelfSupDataPreprocessor,
                                                       TwoNormDataPreprocessor)

from ..registry import register_model


@register_model()
class PretrainDataPreprocessor(TwoNormDataPreprocessor):
    """mmpretrain's ``TwoNormDataPreprocessor`` that also takes one view.

    Pre-training batches carry two views, [image, half-resolution target image], each
    normalised with its own mean/std. A batch of single images (mmpretrain's
    ``FeatureExtractor`` on the config's test pipeline) is normalised like the first
    view and stays one (B, 3, H, W) tensor, which ``FeatureExtractor`` requires; the
    parent would treat the batch as a list of views.
    """

    def forward(self, data, training=False):
        if isinstance(data['inputs'], (list, tuple)):
            return super().forward(data, training)
        return SelfSupDataPreprocessor.forward(self, data, training)
