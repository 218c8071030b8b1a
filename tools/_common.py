"""What tools/train.py and tools/test.py share: config loading, the scope, and
checks that turn config mistakes into one-line errors before any long work."""
import contextlib
import os
import os.path as osp
import re
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))

import mmsplitmask  # noqa: E402,F401  (patches + registers all modules)
from mmengine.config import Config, DictAction  # noqa: E402

from mmsplitmask.compat import UnsafeCheckpointError  # noqa: E402
from mmsplitmask.models.checkpoint_loading import CheckpointMismatchError  # noqa: E402


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


def _local(path):
    return isinstance(path, str) and path and '://' not in path


def _dataset_paths(name, dataset):
    """(config key, path, must be a dir) of the files one dataset config reads."""
    if not isinstance(dataset, dict):
        return
    for inner in ('dataset', 'datasets'):  # wrappers: RepeatDataset, ConcatDataset
        sub = dataset.get(inner)
        for i, d in enumerate(sub if isinstance(sub, (list, tuple)) else [sub]):
            yield from _dataset_paths(f'{name}.{inner}' + (f'.{i}' if inner == 'datasets' else ''),
                                      d)
    root = dataset.get('data_root') or ''
    if _local(root):
        yield f'{name}.data_root', root, True
    ann = dataset.get('ann_file')
    if _local(ann):
        yield f'{name}.ann_file', osp.join(root, ann), False
    prefix = dataset.get('data_prefix')
    for key, value in (prefix.items() if isinstance(prefix, dict) else [('', prefix)]):
        if _local(value):
            yield f'{name}.data_prefix' + (f'.{key}' if key else ''), osp.join(root, value), True


def _checkpoint_paths(node, name):
    """init_cfg=dict(type='Pretrained', checkpoint=...) anywhere in the model."""
    if isinstance(node, dict):
        if node.get('type') == 'Pretrained' and _local(node.get('checkpoint')):
            yield f'{name}.checkpoint', node['checkpoint'], False
        for key, value in node.items():
            yield from _checkpoint_paths(value, f'{name}.{key}')
    elif isinstance(node, (list, tuple)):
        for i, value in enumerate(node):
            yield from _checkpoint_paths(value, f'{name}.{i}')


def check_paths(cfg, splits, init_checkpoints=True):
    """Fail in one line, before the model is built, on a data folder, annotation file
    or checkpoint the config names that does not exist (instead of a traceback after
    minutes of set-up). Testing loads every weight from its checkpoint, so it passes
    init_checkpoints=False: the backbone's pre-training file is not needed then."""
    found = []
    for split in splits:
        loader = cfg.get(f'{split}_dataloader')
        if loader:
            found += _dataset_paths(f'{split}_dataloader.dataset', loader.get('dataset'))
        evaluator = cfg.get(f'{split}_evaluator')
        for i, ev in enumerate(evaluator if isinstance(evaluator, (list, tuple)) else
                               [evaluator]):
            if isinstance(ev, dict) and _local(ev.get('ann_file')):
                found.append((f'{split}_evaluator.ann_file', ev['ann_file'], False))
    if init_checkpoints:
        found += _checkpoint_paths(cfg.get('model'), 'model')
    if _local(cfg.get('load_from')):
        found.append(('load_from (--resume)', cfg.load_from, False))
    for key, path, is_dir in found:
        if not (osp.isdir(path) if is_dir else osp.isfile(path)):
            what = 'folder' if is_dir else 'file'
            sys.exit(f'error: {key}: {what} {path} does not exist (set it in the config or '
                     f'with --cfg-options {key.split(" ")[0]}=...)')


_REGISTRY_MISS = re.compile(r"(\S+) is not in the (\S+) registry")
_CONFIG_ERRORS = (KeyError, TypeError, ValueError, FileNotFoundError, UnsafeCheckpointError,
                  CheckpointMismatchError)


@contextlib.contextmanager
def config_errors(args):
    """Turn the errors a wrong config raises while the runner is built (unknown
    ``type``, a key a class does not take, a missing file) into one line that names
    the config and what to fix. MMSPLITMASK_DEBUG=1 shows the traceback instead."""
    try:
        yield
    except _CONFIG_ERRORS as err:
        if os.environ.get('MMSPLITMASK_DEBUG'):
            raise
        message = str(err.args[0] if isinstance(err, KeyError) and err.args else err)
        message = ' '.join(message.split())
        miss = _REGISTRY_MISS.search(message)
        if miss:
            message = (f"unknown type '{miss.group(1)}' (not in the {miss.group(2)} registry):"
                       ' check its spelling, or import the module that registers it '
                       '(custom_imports)')
        elif isinstance(err, TypeError) and 'keyword argument' in message:
            name = message.rsplit("'", 2)[-2] if message.count("'") >= 2 else ''
            given = [k for k in (args.cfg_options or {}) if k.split('.')[-1] == name]
            message += (f' (from --cfg-options {given[0]})' if given else
                        ' (a key of that dict in the config)')
        else:
            message = f'{type(err).__name__}: {message}'
        sys.exit(f'error: {args.config}: {message}')


def close_distributed():
    """End a finished multi-process run without the C++ teardown: after all work was
    done, torch's gloo teardown now and then aborted a rank at interpreter exit
    ('terminate called without an active exception', exit code 134; twice in the
    2-process training tests, also after destroy_process_group)."""
    import logging
    import torch.distributed as dist
    if not (dist.is_available() and dist.is_initialized()):
        return
    dist.barrier()  # no rank leaves while another still works
    logging.shutdown()  # what atexit would have flushed
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)
