"""SplitMask's training forward has no host sync and compiles as one graph: the split's
indices come from the host (the data preprocessor), bad splits still fail clearly."""
import numpy as np
import pytest
import torch
import torch._dynamo
from mmengine.config import Config
from mmengine.registry import DefaultScope
from mmpretrain.registry import MODELS
from mmpretrain.structures import DataSample
from conftest import ROOT

from mmsplitmask.datasets import ComplementaryMaskGenerator
from mmsplitmask.models.splitmask import split_indices

SIZE = 64  # ViT-S/16 at 64 px: a 4x4 patch grid keeps the trace to seconds on CPU


def vit_s_splitmask():
    cfg = Config.fromfile(f'{ROOT}/configs/_base_/models/splitmask_vit-small-p16.py')
    cfg.model.backbone.img_size = SIZE
    torch.manual_seed(0)
    with DefaultScope.overwrite_default_scope('mmpretrain'):
        model = MODELS.build(cfg.model)
    model.init_weights()
    return model.train()


def samples(batch, mode='block', seed=0):
    np.random.seed(seed)
    gen = ComplementaryMaskGenerator(SIZE // 16, mode=mode)
    found = []
    for _ in range(batch):
        sample = DataSample()
        sample.set_field(gen({})['subset'], 'subset')
        found.append(sample)
    return found


@pytest.fixture(scope='module')
def model():
    return vit_s_splitmask()


def test_vit_s_training_forward_compiles_without_graph_breaks(model):
    torch._dynamo.reset()
    batch = samples(2)
    images, targets = torch.randn(2, 3, SIZE, SIZE), torch.rand(2, 3, SIZE // 2, SIZE // 2)
    explained = torch._dynamo.explain(model)([images, targets, *split_indices([s.subset for s in batch])], batch,
                                             mode='loss')
    assert explained.graph_break_count == 0, explained.break_reasons
    assert explained.graph_count == 1


def test_preprocessor_appends_the_indices_the_forward_would_compute(model):
    """The preprocessor's host-side indices give the same losses as the forward's own
    computation from the labels (the path of callers that pass [images, targets])."""
    batch = samples(3, mode='uniform')
    data = dict(inputs=[torch.randint(0, 255, (3, 3, SIZE, SIZE), dtype=torch.uint8),
                        torch.randint(0, 255, (3, 3, SIZE // 2, SIZE // 2), dtype=torch.uint8)],
                data_samples=batch)  # as default_collate stacks the two views
    data = model.data_preprocessor(data, True)
    assert len(data['inputs']) == 4
    visible, predict = data['inputs'][2:]
    assert visible.shape == (6, 4) and predict.shape == (6, 12)  # uniform: 25% of 16 seen
    for i, sample in enumerate(batch):  # branch A rows, then branch B rows
        for branch in (1, 2):
            row = (branch - 1) * 3 + i
            assert visible[row].tolist() == np.flatnonzero(sample.subset == branch).tolist()
            assert sorted(visible[row].tolist() + predict[row].tolist()) == list(range(16))
    torch.manual_seed(1)
    given = model(data['inputs'], batch, mode='loss')
    torch.manual_seed(1)
    computed = model(data['inputs'][:2], batch, mode='loss')
    for key in ('loss_mim', 'loss_match'):
        torch.testing.assert_close(given[key], computed[key])


def test_unequal_split_fails_with_a_clear_error():
    batch = samples(2)
    batch[1].subset = batch[1].subset.copy()
    batch[1].subset.flat[np.flatnonzero(batch[1].subset == 2)[0]] = 1  # A sees one more
    with pytest.raises(ValueError, match=r'branch 1 sees \[8, 9\] patches per image'):
        split_indices([s.subset for s in batch])


def test_split_grid_must_match_the_image(model):
    batch = samples(2)
    images = torch.randn(2, 3, 2 * SIZE, 2 * SIZE)
    with pytest.raises(ValueError, match='set ComplementaryMaskGenerator.input_size'):
        model([images, torch.rand(2, 3, SIZE, SIZE)], batch, mode='loss')
