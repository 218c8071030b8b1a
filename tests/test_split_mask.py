"""Masking invariants of the complementary split."""
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
    assert repr(gen) == "ComplementaryMaskGenerator(grid=(6, 10), mode='uniform', mask_ratio=0.5)"
