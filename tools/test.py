"""Evaluate a checkpoint with any mmsplitmask config (mmpretrain, mmdet or mmseg)."""
import argparse
import os
import os.path as osp

from _common import (add_common_args, check_paths, close_distributed, config_errors,
                     load_config)
from mmengine.registry import RUNNERS
from mmengine.runner import Runner


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__)
    add_common_args(parser)
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument('--out', help='dump the raw predictions to this .pkl file')
    parser.add_argument('--show-dir', help='draw predictions into this folder '
                        '(relative paths go under the work dir)')
    args = parser.parse_args()
    os.environ.setdefault('LOCAL_RANK', str(args.local_rank))
    return args


def enable_drawing(cfg, show_dir):
    """Switch on the toolbox's visualisation hook, whichever toolbox it is."""
    hook = cfg.default_hooks.get('visualization')
    if hook is None:
        raise SystemExit('error: --show-dir needs default_hooks.visualization in the config')
    kind = hook['type']
    if kind == 'DetVisualizationHook':
        hook.update(draw=True, test_out_dir=show_dir)
    elif kind == 'SegVisualizationHook':
        hook.update(draw=True, interval=1)
        cfg.visualizer['save_dir'] = osp.join(cfg.work_dir, show_dir)
    else:  # mmpretrain's VisualizationHook
        hook.update(enable=True, out_dir=show_dir)


def main():
    args = parse_args()
    cfg = load_config(args)
    if not cfg.get('test_evaluator'):  # pre-training configs: a test pipeline, no test
        raise SystemExit(f'error: {args.config} defines no test (empty test_evaluator). '
                         'For a pre-training checkpoint, extract features with '
                         'mmpretrain.apis.FeatureExtractor (docs/inference.md) '
                         'or probe the frozen encoder with tools/analysis_tools/probe.py')
    if not osp.isfile(args.checkpoint):
        raise SystemExit(f'error: checkpoint {args.checkpoint} does not exist')
    cfg.load_from = args.checkpoint
    if args.show_dir:
        enable_drawing(cfg, args.show_dir)
    if args.out:
        cfg.test_evaluator = list(cfg.test_evaluator) if isinstance(
            cfg.test_evaluator, (list, tuple)) else [cfg.test_evaluator]
        cfg.test_evaluator.append(dict(type='mmengine.DumpResults', out_file_path=args.out))
    check_paths(cfg, ['test'], init_checkpoints=False)
    with config_errors(args):
        runner = RUNNERS.build(cfg) if 'runner_type' in cfg else Runner.from_cfg(cfg)
        runner.test_loop  # noqa: B018  (builds the dataset: config mistakes fail here)
    runner.test()
    close_distributed()


if __name__ == '__main__':
    main()
