"""Training-iteration time of Mask R-CNN with a ViT-S/16 backbone vs mmdet's ResNet-50.

    python tools/benchmarks/benchmark_detection.py --size 512 --batch-size 2 --device cpu

Both models come from their configs (ours: configs/_base_/models/mask-rcnn_vit-small-
p16_fpn.py, which inherits mmdet's mask-rcnn_r50_fpn.py and swaps the backbone; the
baseline: mmdet's own mask-rcnn_r50_fpn.py), randomly initialised, so FPN, RPN and
RoI heads are the same and the difference is the backbone (plus the FPN's input
widths). One iteration = data preprocessing of a fixed fake batch (mmdet's
demo_mm_inputs: random images, 8 boxes with masks each, 80 classes), forward with
the training losses, backward and an AdamW step; each model runs in its own process,
alternating for --rounds rounds; medians are reported (ratios: the median of the
per-round ratios, steadier on a shared machine). The last line is one JSON object.

The RoIAlign of both is set alike: torchvision's on CPU by default (mmcv's CPU RoIAlign
backward is very slow and would dominate both), mmcv's on GPU. BatchNorm replaces the
ViT pyramid's SyncBN (one process). The mask head runs on the positive RoIs, whose
number depends on each (random) RPN's proposals, so the head cost can differ a little;
the backbone + FPN share of the iteration is timed separately for that reason.
"""
import argparse
import json
import os.path as osp
import statistics
import sys
import time

import torch

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
sys.path.insert(0, ROOT)
sys.path.insert(0, osp.join(ROOT, 'tools'))

from benchmarks.benchmark_utils import (alternate, medians, peak_memory_gib,  # noqa: E402
                                        run_isolated, sync)

CONFIGS = {
    'vit_s': osp.join(ROOT, 'configs/_base_/models/mask-rcnn_vit-small-p16_fpn.py'),
    'r50': 'mmdet::_base_/models/mask-rcnn_r50_fpn.py',
}


def config_path(name):
    """A file path for Config.fromfile, which does not resolve 'mmdet::' itself."""
    path = CONFIGS[name]
    if path.startswith('mmdet::'):
        from mmengine.utils import get_installed_path
        path = osp.join(get_installed_path('mmdet'), '.mim', 'configs', path[len('mmdet::'):])
    return path


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--size', type=int, default=512, help='square input side')
    parser.add_argument('--batch-size', type=int, default=2)
    parser.add_argument('--device', choices=['cpu', 'cuda'], default='cpu')
    parser.add_argument('--iters', type=int, default=3)
    parser.add_argument('--warmup', type=int, default=1)
    parser.add_argument('--rounds', type=int, default=3)
    parser.add_argument('--roi-align', choices=['torchvision', 'mmcv'],
                        help='RoIAlign of both models (default: torchvision on CPU)')
    parser.add_argument('--rois', type=int, default=512,
                        help='RoIs sampled per image for the box/mask heads of both '
                        "(mmdet's default 512; a quarter may be positives for the mask head)")
    return parser.parse_args()


def build(name, roi_align, rois):
    import mmsplitmask  # noqa: F401  (registers SplitMaskViT in mmdet)
    from mmengine.config import Config
    from mmengine.logging import MMLogger
    from mmengine.registry import DefaultScope
    from mmdet.registry import MODELS
    MMLogger.get_instance('mmengine', log_level='WARNING')  # no per-weight init log
    model = Config.fromfile(config_path(name)).model
    if name == 'vit_s':
        model.backbone.pyramid.norm_cfg = dict(type='BN')
    else:
        model.backbone.init_cfg = None  # random init, as the ViT: no download
    for extractor in (model.roi_head.bbox_roi_extractor, model.roi_head.mask_roi_extractor):
        extractor.roi_layer.use_torchvision = roi_align == 'torchvision'
    model.train_cfg.rcnn.sampler.num = rois
    with DefaultScope.overwrite_default_scope('mmdet'):
        detector = MODELS.build(model)
    detector.init_weights()
    return detector


def measure(name, args):
    from mmdet.testing import demo_mm_inputs
    torch.manual_seed(0)
    device = args.device
    model = build(name, args.roi_align, args.rois).to(device).train()
    batch = args.batch_size
    packed = demo_mm_inputs(batch, [(3, args.size, args.size)] * batch, num_items=[8] * batch,
                            num_classes=80, with_mask=True, device=device)
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-4, weight_decay=0.05)

    def step():
        data = model.data_preprocessor(packed, training=True)
        with torch.autocast(device, dtype=torch.bfloat16, enabled=device == 'cuda'):
            losses = model(**data, mode='loss')
        loss, _ = model.parse_losses(losses)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()

    for _ in range(args.warmup):
        step()
    sync(device)
    start = time.perf_counter()
    for _ in range(args.iters):
        step()
    sync(device)
    seconds = (time.perf_counter() - start) / args.iters
    peak = peak_memory_gib(device)
    # Of which backbone + FPN (forward and backward): the part that differs.
    inputs = model.data_preprocessor(packed, training=True)['inputs']
    start = time.perf_counter()
    for _ in range(args.iters):
        with torch.autocast(device, dtype=torch.bfloat16, enabled=device == 'cuda'):
            feats = model.extract_feat(inputs)
        sum(f.float().mean() for f in feats).backward()
    sync(device)
    return dict(s_per_iter=seconds, backbone_fpn_s=(time.perf_counter() - start) / args.iters,
                peak_mem_gib=peak)


def main():
    args = parse_args()
    args.roi_align = args.roi_align or ('torchvision' if args.device == 'cpu' else 'mmcv')
    print(f'device {args.device} ({torch.get_num_threads()} threads); Mask R-CNN training '
          f'iteration, {args.batch_size} x {args.size}x{args.size}, {args.roi_align} RoIAlign; '
          f'{args.rois} RoIs per image; {args.iters} timed iterations after {args.warmup} '
          f'warm-up, {args.rounds} rounds')
    rounds = alternate(list(CONFIGS), args.rounds,
                       lambda name: run_isolated(measure, name, args))
    out = {'size': args.size, 'batch_size': args.batch_size, 'device': args.device,
           'roi_align': args.roi_align, 'rois': args.rois, 'rounds': args.rounds}
    for name, results in rounds.items():
        res = medians(results)
        print(f'{name:>6} s/iter per round: ' +
              ', '.join(f'{r["s_per_iter"]:.2f}' for r in results))
        print(f'{name:>6}: {res["s_per_iter"]:.2f} s/iter, of which backbone + FPN forward '
              f'and backward {res["backbone_fpn_s"]:.2f} s; peak memory '
              f'{res["peak_mem_gib"]:.2f} GiB')
        out[f'{name}_s_per_iter'] = round(res['s_per_iter'], 3)
        out[f'{name}_backbone_fpn_s'] = round(res['backbone_fpn_s'], 3)
        out[f'{name}_peak_mem_gib'] = round(res['peak_mem_gib'], 3)
    # Ratios within a round (the two ran minutes apart), then their median: steadier on
    # a shared machine than a ratio of medians.
    for key, ratio_key in (('s_per_iter', 'time_ratio_vit_s_to_r50'),
                           ('backbone_fpn_s', 'backbone_fpn_ratio_vit_s_to_r50')):
        ratios = [v[key] / r[key] for v, r in zip(rounds['vit_s'], rounds['r50'])]
        print(f'{ratio_key} per round: ' + ', '.join(f'{x:.2f}' for x in ratios))
        out[ratio_key] = round(statistics.median(ratios), 3)
    print(f'ViT-S Mask R-CNN iteration = {out["time_ratio_vit_s_to_r50"]:.2f} x '
          f'ResNet-50 Mask R-CNN\'s (backbone + FPN: '
          f'{out["backbone_fpn_ratio_vit_s_to_r50"]:.2f} x)')
    print(json.dumps(out))


if __name__ == '__main__':
    main()
