"""Train any mmsplitmask config: pre-training (mmpretrain), detection (mmdet) or
segmentation (mmseg); the config's ``default_scope`` picks the toolbox."""
import argparse
import os
import os.path as osp
import sys

from _common import (add_common_args, check_paths, close_distributed, config_errors,
                     load_config)
from mmengine.registry import RUNNERS
from mmengine.runner import Runner

from mmsplitmask.engine import NonFiniteLossError


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__)
    add_common_args(parser)
    parser.add_argument('--resume', nargs='?', const='auto', metavar='CKPT',
                        help='resume from CKPT, or from the work dir\'s latest checkpoint '
                        'when no path is given')
    parser.add_argument('--amp', action='store_true', help='mixed precision training')
    parser.add_argument('--seed', type=int, help='random seed')
    parser.add_argument('--deterministic', action='store_true')
    args = parser.parse_args()
    os.environ.setdefault('LOCAL_RANK', str(args.local_rank))
    return args


def main():
    args = parse_args()
    cfg = load_config(args)
    if args.amp:
        cfg.optim_wrapper.type = 'AmpOptimWrapper'
        cfg.optim_wrapper.setdefault('loss_scale', 'dynamic')
    if args.resume == 'auto':
        cfg.resume, cfg.load_from = True, None
    elif args.resume:
        if not osp.isfile(args.resume):
            sys.exit(f'error: --resume {args.resume}: no such checkpoint')
        cfg.resume, cfg.load_from = True, args.resume
    if args.seed is not None or args.deterministic:
        cfg.randomness = dict(cfg.get('randomness') or {})
        if args.seed is not None:
            cfg.randomness['seed'] = args.seed
        cfg.randomness['deterministic'] = args.deterministic
    check_paths(cfg, ['train', 'val'] if cfg.get('val_cfg') else ['train'])
    with config_errors(args):
        runner = RUNNERS.build(cfg) if 'runner_type' in cfg else Runner.from_cfg(cfg)
        # Build the datasets and transforms now: their config mistakes then fail here.
        runner.train_loop, runner.val_loop  # noqa: B018
    try:
        runner.train()
    except NonFiniteLossError as err:
        sys.exit(f'error: {err}')
    close_distributed()


if __name__ == '__main__':
    main()
