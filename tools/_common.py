"""What tools/train.py and tools/test.py share: config loading and the scope."""
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))

import mmsplitmask  # noqa: E402,F401  (patches + registers all modules)
from mmengine.config import Config, DictAction  # noqa: E402


def load_config(args):
    """Config with --cfg-options merged, its default work dir and launcher."""
    if not osp.isfile(args.config):
        sys.exit(f'error: config file {args.config} does not exist')
    cfg = Config.fromfile(args.config)
    cfg.launcher = args.launcher
    if args.cfg_options:
        check_cfg_options(cfg, args.cfg_options)
        cfg.merge_from_dict(args.cfg_options)
    if args.work_dir:
        cfg.work_dir = args.work_dir
    elif cfg.get('work_dir') is None:
        cfg.work_dir = osp.join('work_dirs', osp.splitext(osp.basename(args.config))[0])
    return cfg


def check_cfg_options(cfg, options):
    """Reject --cfg-options whose top-level key is not in the config: such a typo would
    otherwise be merged in silently (deeper typos fail when the object is built)."""
    for key in options:
        if key.split('.')[0] not in cfg:
            sys.exit(f'error: --cfg-options {key}: the config has no {key.split(".")[0]!r}')


def add_common_args(parser):
    parser.add_argument('config', help='config file path')
    parser.add_argument('--work-dir', help='where logs and checkpoints go '
                        '(default: work_dirs/<config name>)')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override config keys, e.g. train_dataloader.batch_size=8')
    parser.add_argument('--launcher', choices=['none', 'pytorch', 'slurm', 'mpi'],
                        default='none', help='job launcher')
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
