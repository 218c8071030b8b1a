"""Masking invariants of the complementary split."""
import math
import re

import numpy as np
import pytest
from scipy import ndimage

from mmsplitmask.datasets import ComplementaryMaskGenerator


@pytest.mark.parametrize('grid', [14, (8, 8), (7, 7), (6, 10)])
def test_block_split_is_complementary_and_balanced(grid):
    np.random.seed(0)
    gen = ComplementaryMaskGenerator(input_size=grid, mode='block')
    n = gen.num_patches
    for _ in range(20):
        subset = gen({})['subset']
        assert subset.shape == gen.grid_hw
        a, b = (subset == 1).sum(), (subset == 2).sum()
        assert a == b == n // 2  # equal halves; disjoint by construction of one label map
        assert (subset == 0).sum() == n % 2  # every patch covered, one left only if n odd


def test_block_split_is_made_of_blocks():
    np.random.seed(1)
    gen = ComplementaryMaskGenerator(input_size=14, mode='block')
    for _ in range(20):
        subset_a = gen({})['subset'] == 1
        labels, count = ndimage.label(subset_a)
        # 98 patches in blocks of >= 16: a handful of connected regions, not noise.
        assert count <= 98 // 4
        sizes = np.bincount(labels.ravel())[1:]
        assert sizes.max() >= 16


@pytest.mark.parametrize('ratio', [0.5, 0.75, 0.9])
def test_uniform_split_shares(ratio):
    np.random.seed(2)
    gen = ComplementaryMaskGenerator(input_size=14, mode='uniform', mask_ratio=ratio)
    visible = int(round(196 * (1 - ratio)))
    seen = np.zeros((14, 14))
    for _ in range(50):
        subset = gen({})['subset']
        assert (subset == 1).sum() == (subset == 2).sum() == visible
        seen += subset > 0
    assert seen.min() > 0  # random positions: every patch gets seen sometime


def test_bad_options_fail_clearly():
    with pytest.raises(ValueError, match='mode'):
        ComplementaryMaskGenerator(mode='grid')
    with pytest.raises(ValueError, match='disjoint'):
        ComplementaryMaskGenerator(mode='uniform', mask_ratio=0.3)


def test_repr_names_grid_mode_and_ratio():
    gen = ComplementaryMaskGenerator(input_size=(6, 10), mode='uniform', mask_ratio=0.5)
    assert repr(gen) == ("ComplementaryMaskGenerator(grid=(6, 10), mode='uniform', "
                         'mask_ratio=0.5)')


def test_defaults_are_beits_block_masking_of_half_the_grid():
    masker = ComplementaryMaskGenerator().block_masker
    assert (masker.height, masker.width, masker.num_masking_patches) == (14, 14, 98)
    assert (masker.min_num_patches, masker.max_num_patches) == (16, 75)
    assert masker.log_aspect_ratio == pytest.approx((math.log(0.3), math.log(1 / 0.3)))
    custom = ComplementaryMaskGenerator(input_size=(6, 10), max_num_patches=20, min_aspect=0.5,
                                        max_aspect=1.5).block_masker
    assert (custom.height, custom.width, custom.num_masking_patches) == (6, 10, 30)
    assert (custom.min_num_patches, custom.max_num_patches) == (7, 20)  # 16 > 60 // 8
    assert custom.log_aspect_ratio == pytest.approx((math.log(0.5), math.log(1.5)))
    assert ComplementaryMaskGenerator(input_size=(3, 3)).block_masker.min_num_patches == 1


@pytest.mark.parametrize('grid', [(2, 4), (4, 2), (2, 3), (3, 2)])
def test_block_split_refuses_grids_its_blocks_cannot_half_cover(grid):
    reach, half = (grid[0] - 1) * (grid[1] - 1), grid[0] * grid[1] // 2
    with pytest.raises(ValueError, match=re.escape(
            f"mode='block' cannot cover half of a {grid[0]}x{grid[1]} patch grid (its blocks "
            f"reach {reach} patches, half is {half}) and would hang: use mode='uniform' or a "
            'larger input_size')):
        ComplementaryMaskGenerator(input_size=grid)
    ComplementaryMaskGenerator(input_size=grid, mode='uniform')  # uniform has no blocks


def test_smallest_block_grids_and_uniform_bounds():
    for grid in ((3, 3), (3, 5)):  # blocks reach exactly / more than half
        subset = ComplementaryMaskGenerator(input_size=grid)({})['subset']
        assert subset.dtype == np.uint8 and subset.shape == grid
        assert (subset == 1).sum() == (subset == 2).sum() == grid[0] * grid[1] // 2
    with pytest.raises(ValueError, match=r'uniform mask_ratio must be in \[0.5, 1\) so the two '
                       r'visible shares are disjoint, got 1'):
        ComplementaryMaskGenerator(mode='uniform', mask_ratio=1)
    tiny = ComplementaryMaskGenerator(input_size=2, mode='uniform', mask_ratio=0.9)
    assert tiny.num_visible == 1  # at least one patch each
    subset = tiny({})['subset']
    assert subset.dtype == np.uint8 and (subset == 1).sum() == (subset == 2).sum() == 1
