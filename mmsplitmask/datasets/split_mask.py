"""The complementary split of an image's patches into two equal subsets."""
import numpy as np
from mmcv.transforms import BaseTransform
from mmpretrain.datasets.transforms import BEiTMaskGenerator

from ..registry import register_transform


@register_transform()
class ComplementaryMaskGenerator(BaseTransform):
    """Adds ``subset``: an (h, w) uint8 map, 1 = seen by branch A, 2 = by branch B,
    0 = seen by neither (predicted by both).

    mode='block' (default, the paper's main setting): a BEiT block-wise mask
    covering half the patches (blocks of ``min_num_patches``..``max_num_patches``,
    aspect ratio ``min_aspect``..1/min_aspect) is subset A, its complement subset B;
    with an odd patch count the one leftover patch is seen by neither, so both
    subsets always hold exactly floor(n/2) patches.

    mode='uniform' (the smallest datasets): each branch sees a disjoint random
    (1 - mask_ratio) share of the patches and predicts the rest; mask_ratio=0.75.
    """

    def __init__(self, input_size=14, mode='block', mask_ratio=0.75, min_num_patches=16,
                 max_num_patches=75, min_aspect=0.3, max_aspect=None):
        self.grid_hw = (input_size, ) * 2 if isinstance(input_size, int) else tuple(input_size)
        self.num_patches = self.grid_hw[0] * self.grid_hw[1]
        self.half = self.num_patches // 2
        if mode == 'block':
            # BEiT's blocks never touch the last row or column, and its generator loops
            # until the count is reached: on smaller grids it would never return.
            reachable = (self.grid_hw[0] - 1) * (self.grid_hw[1] - 1)
            if reachable < self.half:
                raise ValueError(
                    f"mode='block' cannot cover half of a {self.grid_hw[0]}x{self.grid_hw[1]} "
                    f'patch grid (its blocks reach {reachable} patches, half is {self.half}) '
                    "and would hang: use mode='uniform' or a larger input_size")
            # Tiny grids cannot hold 16-patch blocks; scale the minimum down there.
            self.block_masker = BEiTMaskGenerator(
                self.grid_hw, self.half, min(min_num_patches, max(1, self.num_patches // 8)),
                max_num_patches, min_aspect, max_aspect)
        elif mode == 'uniform':
            if not 0.5 <= mask_ratio < 1:
                raise ValueError(f'uniform mask_ratio must be in [0.5, 1) so the two '
                                 f'visible shares are disjoint, got {mask_ratio}')
            self.num_visible = max(1, int(round(self.num_patches * (1 - mask_ratio))))
        else:
            raise ValueError(f"mode must be 'block' or 'uniform', got {mode!r}")
        self.mode = mode
        self.mask_ratio = mask_ratio

    def transform(self, results):
        if self.mode == 'block':
            subset = np.where(self.block_masker({})['mask'].reshape(-1) > 0, 1, 2)
            if self.num_patches % 2:
                subset[np.random.choice(np.flatnonzero(subset == 2))] = 0
        else:
            order = np.random.permutation(self.num_patches)
            subset = np.zeros(self.num_patches, dtype=np.int64)
            subset[order[:self.num_visible]] = 1
            subset[order[self.num_visible:2 * self.num_visible]] = 2
        results['subset'] = subset.astype(np.uint8).reshape(self.grid_hw)
        return results

    def __repr__(self):
        return (f'{type(self).__name__}(grid={self.grid_hw}, mode={self.mode!r}, '
                f'mask_ratio={self.mask_ratio})')
