"""Probe an encoder's frozen features: dense linear probe (mIoU) and k-NN top-1.

    python tools/analysis_tools/probe.py CONFIG [CHECKPOINT] --seg-root DIR [--cls-root DIR] \
        [--seed N]

CONFIG is any pre-training or transfer config (its backbone is probed); CHECKPOINT is a
file of tools/train.py (``backbone.*`` weights) or a converted backbone-only file.
Without CHECKPOINT the encoder is randomly initialised from --seed: the baseline any
pre-training has to beat. --seg-root uses the folder segmentation layout of
docs/new_dataset.md (images/{train,val}, seg/{train,val} PNGs, 0 = background, 255
ignored); --cls-root has train/ and val/ with one sub-folder per class. Prints a table,
then, as its last line, one JSON object with dense_probe_miou and/or knn_top1.
"""
import argparse
import json
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))  # the repository

import mmsplitmask  # noqa: E402,F401  (patches + registers all modules)
import torch  # noqa: E402
from mmengine.config import Config, DictAction  # noqa: E402
from mmengine.utils import ProgressBar  # noqa: E402

from mmsplitmask.evaluation.probe import (build_frozen_encoder, dense_probe,  # noqa: E402
                                          knn_top1, read_cls_split, read_seg_split)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config')
    parser.add_argument('checkpoint', nargs='?', help='omit for a randomly initialised encoder')
    parser.add_argument('--seg-root', help='folder segmentation dataset for the dense probe')
    parser.add_argument('--cls-root', help='class-folder dataset for k-NN')
    parser.add_argument('--seed', type=int, default=0,
                        help='random init of the encoder (without CHECKPOINT) and of the probe')
    parser.add_argument('--block', type=int, default=-1,
                        help='block probed (default: the last, after the final norm)')
    parser.add_argument('--num-classes', type=int,
                        help='segmentation classes incl. background (default: from the labels)')
    parser.add_argument('--max-train', type=int, help='use at most this many train images')
    parser.add_argument('--max-val', type=int, help='use at most this many val images')
    parser.add_argument('--device', default='cuda' if torch.cuda.is_available() else 'cpu')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction, default={},
                        help='override config settings, e.g. model.backbone.pos_embed=learned')
    args = parser.parse_args(argv)
    if not (args.seg_root or args.cls_root):
        parser.error('give --seg-root and/or --cls-root')
    if not osp.isfile(args.config):
        parser.error(f'config file {args.config} does not exist')
    return args


def main(argv=None):
    args = parse_args(argv)
    cfg = Config.fromfile(args.config)
    cfg.merge_from_dict(args.cfg_options)
    encoder, mean, std, patch = build_frozen_encoder(cfg, args.checkpoint, args.seed)
    encoder.to(args.device)
    what = args.checkpoint or f'random init (seed {args.seed})'
    result, rows = {}, []
    if args.seg_root:
        train = read_seg_split(args.seg_root, 'train')[:args.max_train]
        val = read_seg_split(args.seg_root, 'val')[:args.max_val]
        bar = ProgressBar(len(train) + len(val))
        seg = dense_probe(encoder, train, val, mean, std, args.num_classes, args.block, patch,
                          args.seed, progress=bar.update)
        print()
        result.update(dense_probe_miou=round(seg['miou'], 2), dense_probe_acc=round(seg['acc'], 2))
        rows += [('dense probe mIoU', seg['miou']), ('dense probe pixel acc.', seg['acc'])]
        rows += [(f'  IoU class {i}', v) for i, v in enumerate(seg['iou']) if v is not None]
        rows.append((f'  ({len(train)} train / {len(val)} val images)', None))
    if args.cls_root:
        train, classes = read_cls_split(args.cls_root, 'train')
        val, _ = read_cls_split(args.cls_root, 'val')
        bar = ProgressBar(len(train) + len(val))
        top1 = knn_top1(encoder, train[:args.max_train], val[:args.max_val], mean, std,
                        args.block, patch, progress=bar.update)
        print()
        result['knn_top1'] = round(top1, 2)
        rows += [('k-NN top-1 (k=20)', top1),
                 (f'  ({len(train)} train / {len(val)} val images, {len(classes)} classes)', None)]
    print(f'\nfrozen {type(encoder).__name__} of {args.config}, block {args.block}, {what}')
    for name, value in rows:
        print(f'{name:<40}' + ('' if value is None else f'{value:6.2f}'))
    print(json.dumps(dict(result, checkpoint=args.checkpoint, seed=args.seed, block=args.block)))
    return result


if __name__ == '__main__':
    main()
