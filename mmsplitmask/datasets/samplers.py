"""A sampler for runs that must resume exactly and not depend on the process count."""
import numpy as np
from mmengine.dataset import DefaultSampler

from ..registry import register_sampler


def sample_seed(seed, epoch, index):
    """The seed of one sample in one epoch: the same in every run with this seed."""
    return int(np.random.SeedSequence([seed, epoch, index]).generate_state(1)[0])


@register_sampler('mmpretrain', 'mmdet', 'mmseg')
class ResumableSampler(DefaultSampler):
    """mmengine's ``DefaultSampler`` (same order, same split over ranks) that

    1. yields ``(index, seed)`` with ``seed = sample_seed(sampler seed, epoch, index)``;
       the dataset loads the sample under that seed (see ``mmsplitmask.compat``), so
       sample i of epoch e gets the same crop, flip and mask with 1 or 8 processes,
       0 or 8 workers, and before or after a resume;
    2. can start an epoch part-way: :class:`ExactResumeHook` calls :meth:`skip` when a
       run resumes from a checkpoint saved in the middle of an epoch.

    The dataset must be an mmengine ``BaseDataset`` (every toolbox dataset is), not a
    dataset wrapper such as ``ConcatDataset``.
    """

    def __init__(self, dataset, shuffle=True, seed=None, round_up=True):
        super().__init__(dataset, shuffle=shuffle, seed=seed, round_up=round_up)
        self._skip = (None, 0)

    def skip(self, epoch, num_samples):
        """Leave out the first ``num_samples`` of this rank's share of ``epoch``."""
        self._skip = (epoch, num_samples)

    def _skipped(self):
        epoch, num = self._skip
        return num if epoch == self.epoch else 0

    def __iter__(self):
        indices = list(super().__iter__())[self._skipped():]
        return ((i, sample_seed(self.seed, self.epoch, i)) for i in indices)

    def __len__(self):
        return self.num_samples - self._skipped()
