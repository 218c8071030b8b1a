"""tools/analysis_tools/get_flops.py: the SplitMask count agrees with the benchmark's
analytic count, and detection, segmentation and classification configs are counted."""
import json
import os.path as osp

import pytest
from conftest import ROOT

from analysis_tools import get_flops
from benchmarks import benchmark_pretrain

VIT_S = 'configs/splitmask/splitmask_vit-small-p16_16xb128-amp-coslr-3000e_coco.py'


def flops_json(capsys, *args):
    """Run the tool in this process (the imports are shared: seconds, not a new
    interpreter per config) and parse its last line."""
    get_flops.main([osp.join(ROOT, args[0]), *args[1:]])
    return json.loads(capsys.readouterr().out.strip().splitlines()[-1])


def test_splitmask_vit_small_matches_benchmark(capsys):
    result = flops_json(capsys, VIT_S, '--shape', '224')
    # The benchmark's forward (model + tokenizer) counts matmuls at 2 FLOPs per
    # multiply-add; mmengine counts 1 per multiply-add and adds the layer norms (~0.2%).
    model, tokenizer = benchmark_pretrain.forward_flops('splitmask', 384, 12)
    analytic = (model + tokenizer) / 2
    print(f'\nget_flops {result["flops"] / 1e9:.3f} G multiply-adds, benchmark '
          f'{analytic / 1e9:.3f} G: ratio {result["flops"] / analytic:.4f}')
    assert result['shape'] == [224, 224]
    # the issue asks for 2%; the layer norms (not in the analytic count) make it +0.2%
    assert 1.0 <= result["flops"] / analytic < 1.005
    assert result['params'] > 20e6  # ViT-S encoder (~21.7M) + decoder + head


@pytest.mark.parametrize('config', ['tests/configs/mask-rcnn_tiny.py',
                                    'tests/configs/upernet_tiny.py',
                                    'tests/configs/cls_tiny.py'])
def test_counts_transfer_configs(capsys, config):
    result = flops_json(capsys, config, '--shape', '64')
    assert result['flops'] > 0 and result['params'] > 0
    assert result['shape'] == [64, 64]


def test_shape_that_splits_no_patch_grid_is_named(capsys):
    with pytest.raises(SystemExit) as exc:
        get_flops.main([osp.join(ROOT, 'tests/configs/splitmask_tiny.py'), '--shape', '40'])
    assert '--shape 40 40' in str(exc.value) and 'multiples of 16' in str(exc.value)
