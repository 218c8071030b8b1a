"""FLOPs and parameters of any mmsplitmask config, through mmengine's
``get_model_complexity_info``.

    python tools/analysis_tools/get_flops.py CONFIG [--shape H [W]]

What it counts, for one image of ``--shape`` (random pixels):

- detection (mmdet): the test-time forward, ``mode='tensor'`` (backbone, FPN, RPN,
  RoI box head on the RPN's proposals, mask head on the first 100 of them), after
  the data preprocessor pads the image (to a multiple of 32). As in mmdet's own
  get_flops.py, the heads' share depends on how many proposals the random image gets;
- segmentation (mmseg): the encoder-decoder on one padded image (the auxiliary head
  only trains and is left out, as mmseg's get_flops.py does);
- classification (mmpretrain): backbone and classifier head;
- SplitMask pre-training: the training forward of :meth:`SplitMask.loss` without the
  losses themselves: patch embedding, the two half-length encoder passes (one call
  on 2 sequences), the decoder on both full-length sequences, the token classifier
  at every position a branch predicts, the two InfoNCE similarity products and the
  tokenizer. The split comes from the config's ``ComplementaryMaskGenerator`` (mode
  and ratio) on the ``--shape`` grid. The head's fused linear + cross-entropy is a
  custom autograd function the tracer cannot see into, so its classifier is counted
  as the plain ``nn.Linear`` it computes;
- other pre-training algorithms (the BEiT and MAE controls): the encoder on the
  whole image only (``extract_feat``).

Units are mmengine's (as fvcore's): one multiply-add is ONE flop, so a matmul of
(m, k) by (k, n) counts m*k*n; biases, activations, softmax and element-wise ops are
not counted, norms are (about 5 per element), as are convolutions, interpolation and
adaptive pooling. ``tools/benchmarks/benchmark_pretrain.py`` counts 2 FLOPs per multiply-add:
double this tool's figure to compare. mmengine 0.10.7 has no rule for torch's fused
``scaled_dot_product_attention``, which every ViT here uses (ours and mmpretrain's),
so this tool adds one (q@k^T and attention@v); without it attention would count 0.
Params: every parameter of the model as built (minus mmseg's auxiliary head).

The last line printed is one JSON object: flops, params, shape (after padding), what.
"""
import argparse
import json
import os.path as osp
import sys
from functools import partial

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))  # tools/

import numpy as np  # noqa: E402
import torch  # noqa: E402
from _common import config_errors, load_config  # noqa: E402
from mmengine.analysis import get_model_complexity_info  # noqa: E402
from mmengine.analysis import complexity_analysis  # noqa: E402
from mmengine.analysis.jit_handles import generic_activation_jit, get_shape  # noqa: E402
from mmengine.config import DictAction  # noqa: E402
from mmengine.registry import MODELS, DefaultScope, Registry  # noqa: E402
from mmdet.structures import DetDataSample  # noqa: E402
from mmpretrain.models.selfsup import BaseSelfSupervisor  # noqa: E402
from mmpretrain.structures import DataSample  # noqa: E402
from mmseg.structures import SegDataSample  # noqa: E402

from mmsplitmask.datasets import ComplementaryMaskGenerator  # noqa: E402
from mmsplitmask.models.splitmask import SplitMask, split_indices  # noqa: E402


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config', help='config file path')
    parser.add_argument('--shape', type=int, nargs='+', metavar='SIZE',
                        help='input H [W] (default: detection 800 1333, segmentation the '
                        "preprocessor's crop size, mmpretrain the backbone's img_size)")
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override config keys, e.g. model.backbone.arch=small')
    parser.set_defaults(launcher='none', work_dir=None)  # what load_config reads
    args = parser.parse_args(argv)
    if args.shape and (len(args.shape) > 2 or min(args.shape) <= 0):
        parser.error(f'--shape takes H or H W (positive), got {args.shape}')
    return args


def sdpa_flop_jit(inputs, outputs):
    """aten::scaled_dot_product_attention: q (..., L, E) @ k^T (..., E, S), then the
    (..., L, S) weights @ v (..., S, Ev), one flop per multiply-add."""
    q, k, v = (get_shape(t) for t in inputs[:3])
    batch = 1
    for d in q[:-2]:
        batch *= d
    return batch * q[-2] * k[-2] * (q[-1] + v[-1])


def default_shape(cfg, scope):
    if scope == 'mmdet':
        return 800, 1333  # mmdet's test scale (the short side, the long side)
    if scope == 'mmseg':
        size = cfg.model.get('data_preprocessor', {}).get('size')
        if size:
            return tuple(size)
    size = cfg.model.get('backbone', {}).get('img_size', 224)
    return (size, size) if isinstance(size, int) else tuple(size)


class Traced(torch.nn.Module):
    """The module mmengine traces: ``model`` (so its table names the model's own
    modules, under ``model.``) called through ``fn`` on tensors only."""

    def __init__(self, model, fn):
        super().__init__()
        self.model = model
        self.fn = fn

    def forward(self, *inputs):
        return self.fn(*inputs)


def splitmask_forward(model, images, target_images, visible, predict):
    """What SplitMask.loss computes, up to the logits the losses read."""
    feats, target = model.decode(images, target_images, visible)
    picked = torch.gather(feats, 1, predict.unsqueeze(-1).expand(-1, -1, feats.shape[-1]))
    logits = model.head.cls_head(picked)  # what LinearCrossEntropy multiplies
    descriptors = feats.mean(dim=1)
    if model.head.projector is not None:
        descriptors = model.head.projector(descriptors)
    x_a, x_b = descriptors.chunk(2)
    return logits, x_a @ x_b.T, x_b @ x_a.T, target


def find_split(node):
    """The config's ComplementaryMaskGenerator dict, wherever its pipeline is."""
    if isinstance(node, dict):
        if Registry.split_scope_key(str(node.get('type')))[1] == 'ComplementaryMaskGenerator':
            return node
        node = list(node.values())
    if isinstance(node, (list, tuple)):
        for value in node:
            found = find_split(value)
            if found is not None:
                return found
    return None


def splitmask_inputs(cfg, model, shape):
    """Images, half-resolution targets and one split of the patches, as the
    pipeline and SplitMask.loss make them."""
    h, w = shape
    patch = model.backbone.patch_size
    if h % patch or w % patch:
        fit = [max(patch, s - s % patch) for s in (h, w)]
        sys.exit(f'error: --shape {h} {w}: SplitMask splits whole {patch}-pixel patches; '
                 f'give multiples of {patch} (e.g. --shape {fit[0]} {fit[1]})')
    split = dict(find_split(cfg.get('train_dataloader', {})) or {})
    split.pop('type', None)
    split['input_size'] = (h // patch, w // patch)
    try:
        generator = ComplementaryMaskGenerator(**split)
    except ValueError as err:  # e.g. a block split on a grid too small for its blocks
        sys.exit(f'error: --shape {h} {w}: {err} (here: a larger --shape)')
    np.random.seed(0)  # the same split on every run
    visible, predict = split_indices([generator({})['subset']])
    # The tokenizer reads its own patch size under each ViT patch (8 under 16: half size).
    scale = getattr(model.target_generator, 'patch_size', patch // 2) / patch
    target = torch.rand(1, 3, round(h * scale), round(w * scale))
    return torch.randn(1, 3, h, w), target, visible, predict


def build_traced(cfg, scope, shape):
    """(module to trace, its tensor inputs, the traced input's H W, what is counted)."""
    if cfg.get('data_preprocessor') and isinstance(cfg.model, dict):
        cfg.model.setdefault('data_preprocessor', cfg.data_preprocessor)  # as the Runner
    model = MODELS.build(cfg.model).eval()  # weights stay random: no checkpoint is read
    if isinstance(model, SplitMask):
        inputs = splitmask_inputs(cfg, model, shape)
        return (Traced(model, partial(splitmask_forward, model)), inputs, shape,
                'SplitMask training forward: 2 half-length encoder passes, decoder, head, '
                'tokenizer')
    if isinstance(model, BaseSelfSupervisor):
        images = torch.randn(1, 3, *shape)
        return (Traced(model, model.extract_feat), (images, ), shape,
                f'{type(model).__name__}: encoder on the whole image (extract_feat)')
    if scope == 'mmseg' and getattr(model, 'auxiliary_head', None) is not None:
        model.auxiliary_head = None  # trains only
    # One image through the model's own preprocessor (padding, the sizes heads read).
    sample_type = {'mmdet': DetDataSample, 'mmseg': SegDataSample}.get(scope, DataSample)
    sample = sample_type(metainfo=dict(img_shape=shape, ori_shape=shape, scale_factor=(1.0, 1.0)))
    data = model.data_preprocessor(
        dict(inputs=[torch.randint(0, 256, (3, *shape), dtype=torch.uint8)],
             data_samples=[sample]), training=False)
    images, samples = data['inputs'], data['data_samples']
    what = {'mmdet': 'detector test forward (tensor mode, on the RPN proposals)',
            'mmseg': 'segmentor forward on one padded image (no auxiliary head)'}.get(
                scope, 'classifier forward (backbone + head)')
    return (Traced(model, partial(model, data_samples=samples, mode='tensor')), (images, ),
            tuple(images.shape[-2:]), what)


def count(cfg, shape):
    # get_model_complexity_info takes no handles: add ours to mmengine's defaults.
    sdpa = 'aten::scaled_dot_product_attention'
    complexity_analysis._DEFAULT_SUPPORTED_FLOP_OPS.setdefault(sdpa, sdpa_flop_jit)
    complexity_analysis._DEFAULT_SUPPORTED_ACT_OPS.setdefault(sdpa, generic_activation_jit())
    scope = cfg.get('default_scope', 'mmpretrain')
    shape = tuple(shape) if shape else default_shape(cfg, scope)
    shape = shape * 2 if len(shape) == 1 else shape
    with DefaultScope.overwrite_default_scope(scope), torch.no_grad():
        traced, inputs, shape, what = build_traced(cfg, scope, shape)
        info = get_model_complexity_info(traced, inputs=inputs, show_table=True,
                                         show_arch=False)
    return info, shape, what


def main(argv=None):
    args = parse_args(argv)
    cfg = load_config(args)
    if not isinstance(cfg.get('model'), dict):
        sys.exit(f'error: {args.config} defines no model: give a full config (one under '
                 'configs/splitmask, mask_rcnn, upernet or classification), not a _base_ part')
    with config_errors(args):
        info, shape, what = count(cfg, args.shape)
    print(info['out_table'])
    line = '=' * 60
    print(f'{line}\nconfig: {args.config}\ninput shape: 1x3x{shape[0]}x{shape[1]}\n'
          f'counted: {what}\nflops: {info["flops_str"]} (1 multiply-add = 1 flop)\n'
          f'params: {info["params_str"]}\n{line}')
    print(json.dumps(dict(flops=int(info['flops']), params=int(info['params']),
                          shape=list(shape), what=what)))


if __name__ == '__main__':
    main()
