"""Normalisation for pre-training batches and for single images (feature extraction)."""
from mmpretrain.models.utils.data_preprocessor import (SelfSupDataPreprocessor,
                                                       TwoNormDataPreprocessor)

from ..registry import register_model
from .splitmask import split_indices


@register_model()
class PretrainDataPreprocessor(TwoNormDataPreprocessor):
    """mmpretrain's ``TwoNormDataPreprocessor`` that also takes one view.

    Pre-training batches carry two views, [image, half-resolution target image], each
    normalised with its own mean/std. A batch of single images (mmpretrain's
    ``FeatureExtractor`` on the config's test pipeline) is normalised like the first
    view and stays one (B, 3, H, W) tensor, which ``FeatureExtractor`` requires; the
    parent would treat the batch as a list of views.

    A SplitMask batch (data samples with ``subset``) also gets the split's index
    tensors appended to its views, computed here on the host
    (:func:`~mmsplitmask.models.splitmask.split_indices`), so that the model's
    forward neither syncs with the device nor breaks a compiled graph to read them.
    """

    def forward(self, data, training=False):
        if not isinstance(data['inputs'], (list, tuple)):
            return SelfSupDataPreprocessor.forward(self, data, training)
        data = super().forward(data, training)
        samples = data['data_samples']
        if samples and all('subset' in s for s in samples):
            data['inputs'] = [*data['inputs'], *split_indices(
                [s.subset for s in samples], data['inputs'][0].device)]
        return data
