"""What to look at when pre-training does not help: targets and feature scale.

    python tools/analysis_tools/diagnose_pretrain.py CONFIG [CHECKPOINT] --images DIR \
        [--num-images N]

Targets: the config's tokenizer on the targets of N samples of the config's own
pre-training pipeline (its crops of the images under DIR): token entropy, the share of
the most frequent token (what a model that learned only the marginal scores as token
accuracy) and how many of the vocabulary are used. Feature scale (with CHECKPOINT): the
RMS of every block's output tokens against a fresh random init of the same encoder; a
pre-training that blows the residual stream up hands fine-tuning a badly scaled start.
Last line: one JSON object.
"""
import argparse
import copy
import glob
import json
import math
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))  # the repository

import cv2  # noqa: E402
import numpy as np  # noqa: E402
import mmsplitmask  # noqa: E402,F401  (patches + registers all modules)
import torch  # noqa: E402
from mmengine.config import Config, DictAction  # noqa: E402
from mmengine.registry import Registry  # noqa: E402

from mmsplitmask.evaluation.probe import (IMAGE_EXTS, build_frozen_encoder,  # noqa: E402
                                          encode_whole, raw_tokens_of, read_image)


def pipeline_sizes(cfg):
    """(crop size, target size) of the config's pre-training pipeline."""
    for step in cfg.train_dataloader.dataset.pipeline:
        name = Registry.split_scope_key(step['type'])[1]  # without its toolbox
        if name == 'RandomResizedCropAndInterpolationWithTwoPic':
            return step['size'], step['second_size']
    return cfg.model.backbone.get('img_size', 224), None


def to_tensor(images, size):
    rgb = [cv2.cvtColor(cv2.resize(im, (size, size), interpolation=cv2.INTER_AREA),
                        cv2.COLOR_BGR2RGB) for im in images]
    return torch.from_numpy(np.stack(rgb)).permute(0, 3, 1, 2).float()


def training_targets(cfg, images_dir, num):
    """The half-resolution target images of ``num`` samples of the config's own
    pre-training pipeline (crops, flips) on ``images_dir``: (N, 3, h, w) RGB in [0, 255]."""
    from mmengine.registry import DefaultScope
    from mmpretrain.registry import DATASETS
    dataset_cfg = copy.deepcopy(cfg.train_dataloader.dataset)
    dataset_cfg.data_root = images_dir
    with DefaultScope.overwrite_default_scope('mmpretrain'):
        dataset = DATASETS.build(dataset_cfg)
    samples = [dataset[i]['inputs'] for i in range(min(num, len(dataset)))]
    return torch.stack([s[1].flip(0) for s in samples]).float()  # BGR -> RGB


def token_stats(tokenizer, targets):
    tokens = tokenizer(targets / 255.0).flatten()
    counts = torch.bincount(tokens, minlength=tokenizer.vocab_size).double()
    p = counts[counts > 0] / counts.sum()
    entropy = float(-(p * p.log2()).sum())
    return dict(token_entropy_bits=round(entropy, 3),
                max_entropy_bits=round(math.log2(tokenizer.vocab_size), 3),
                majority_token_share=round(float(p.max()), 4),
                tokens_used=int((counts > 0).sum()), vocab_size=tokenizer.vocab_size,
                num_patches=int(counts.sum()))


@torch.no_grad()
def block_rms(encoder, batch):
    """RMS of every block's output tokens (the last after the final norm)."""
    depth = len(getattr(encoder, 'blocks', None) or encoder.layers)
    with raw_tokens_of(encoder, list(range(depth))):
        outs = encode_whole(encoder, batch)
    return [float(o.pow(2).mean().sqrt()) for o in outs]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config')
    parser.add_argument('checkpoint', nargs='?')
    parser.add_argument('--images', required=True, help='folder of images (searched recursively)')
    parser.add_argument('--num-images', type=int, default=200)
    parser.add_argument('--seed', type=int, default=0, help='seed of the fresh init compared with')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction, default={})
    args = parser.parse_args(argv)
    cfg = Config.fromfile(args.config)
    cfg.merge_from_dict(args.cfg_options)
    paths = sorted(p for p in glob.glob(osp.join(args.images, '**', '*'), recursive=True)
                   if p.lower().endswith(IMAGE_EXTS))[:args.num_images]
    if not paths:
        sys.exit(f'error: no images under {args.images}')
    images = [read_image(p) for p in paths]
    crop, target = pipeline_sizes(cfg)
    result = {}
    if cfg.model.get('target_generator') and target:
        from mmengine.registry import DefaultScope
        from mmpretrain.registry import MODELS
        with DefaultScope.overwrite_default_scope('mmpretrain'):  # whatever scope is current
            tokenizer = MODELS.build(cfg.model.target_generator)
        result.update(token_stats(tokenizer, training_targets(cfg, args.images, len(images))))
        print(f'targets of {cfg.model.target_generator.type} on {len(images)} training crops '
              f'({target} px, {result["num_patches"]} patches):')
        print(f'  entropy {result["token_entropy_bits"]:.2f} bits of '
              f'{result["max_entropy_bits"]:.2f}; {result["tokens_used"]} of '
              f'{result["vocab_size"]} tokens used; most frequent token '
              f'{100 * result["majority_token_share"]:.1f}% of patches (token accuracy of '
              'a model that learned only the marginal)')
    if args.checkpoint:
        fresh, mean, std, _ = build_frozen_encoder(cfg, None, args.seed)
        trained, *_ = build_frozen_encoder(cfg, args.checkpoint, args.seed)
        batch = to_tensor(images[:64], crop)
        batch = (batch - torch.tensor(mean).view(1, 3, 1, 1)) / torch.tensor(std).view(1, 3, 1, 1)
        rms_fresh, rms_trained = block_rms(fresh, batch), block_rms(trained, batch)
        print(f'\nRMS of each block\'s output tokens ({len(batch)} images, {crop} px)')
        print(f'{"block":>5} {"fresh init":>11} {"checkpoint":>11} {"ratio":>7}')
        for i, (a, b) in enumerate(zip(rms_fresh, rms_trained)):
            print(f'{i:>5} {a:11.3f} {b:11.3f} {b / a:7.2f}')
        result.update(block_rms_fresh=[round(v, 4) for v in rms_fresh],
                      block_rms_checkpoint=[round(v, 4) for v in rms_trained])
    print(json.dumps(result))
    return result


if __name__ == '__main__':
    main()
