"""The patches the OpenMMLab stack needs on modern torch, in one place.

1. Checkpoints and ``weights_only`` (see below).
2. CPU-only distributed runs: mmengine always calls ``torch.cuda.set_device`` and
   gives DDP ``device_ids``; without a GPU we start gloo and pass no device ids, so
   ``tools/dist_train.sh`` and ``tools/slurm_train.sh`` work on any machine (the tests
   run both on CPU).
3. Atomic checkpoints: the runner's local checkpoint files are written to a
   temporary name and renamed, so a run killed while saving keeps the last good one.
4. Seeded samples: a dataset indexed with ``(index, seed)`` (what
   :class:`ResumableSampler` yields) loads that sample with python, numpy and torch
   seeded by ``seed``, so its augmentation does not depend on the process, the
   worker or the history of the run; plain integer indices behave as before.

torch >= 2.6 unpickles checkpoints with ``weights_only=True``: only tensors, plain
containers and allow-listed classes may be rebuilt, so a checkpoint from a stranger
cannot run code. mmengine 0.10.7 writes a few other types into every checkpoint
(``HistoryBuffer`` and numpy arrays/scalars in the message hub state) and calls
``torch.load`` without ``weights_only``. We allow-list exactly those types and make
mmengine's local/http loaders pass ``weights_only=True`` explicitly, so resume,
``load_from`` and ``init_cfg`` work without ever turning the safety off.
"""
import os
import pickle
import random
import re
import subprocess

import numpy as np
import torch
from mmengine.dataset import BaseDataset
from mmengine.dist import utils as dist_utils
from mmengine.logging.history_buffer import HistoryBuffer
from mmengine.model import MMDistributedDataParallel
from mmengine.runner import checkpoint as mme_checkpoint
from mmengine.runner import runner as mme_runner
from mmengine.runner.checkpoint import CheckpointLoader


def _numpy_safe_globals():
    """numpy's own pickle entry points and dtype classes, for numpy 1 and 2."""
    core = getattr(np, '_core', None) or np.core
    found = [np.ndarray, np.dtype, core.multiarray._reconstruct, core.multiarray.scalar]
    found += [type(np.dtype(t)) for t in (
        np.bool_, np.int8, np.int16, np.int32, np.int64, np.uint8, np.uint16,
        np.uint32, np.uint64, np.float16, np.float32, np.float64)]
    return found


def _history_buffer_getattr(owner, name):
    """Stands in for ``getattr`` while unpickling: a HistoryBuffer pickles its
    statistics methods as ``getattr(HistoryBuffer, 'mean')``; nothing else passes."""
    if (owner is HistoryBuffer and not name.startswith('_')
            and callable(vars(HistoryBuffer).get(name))):
        return getattr(owner, name)
    raise pickle.UnpicklingError(
        f'Unsupported global: getattr({getattr(owner, "__name__", owner)!r}, {name!r})')


SAFE_GLOBALS = [
    HistoryBuffer, *_numpy_safe_globals(), (_history_buffer_getattr, 'builtins.getattr')
]


class UnsafeCheckpointError(pickle.UnpicklingError):
    """A checkpoint needs a type outside the allow-list; nothing of it was run."""


def _describe_refusal(filename, err):
    match = re.search(r'(?:Unsupported global: (?:GLOBAL )?|unsupported GLOBAL )'
                      r'([\w.]+(?:\(.*?\))?)', str(err))
    what = match.group(1) if match else 'an object that is not a tensor or container'
    return (f'Refused to load checkpoint {filename}: it contains {what}, which is not '
            'on the weights_only allow-list (mmsplitmask.compat.SAFE_GLOBALS), so its '
            'code was not run. If you trust the file, convert it to a plain state dict '
            'where it was made (torch.save(model.state_dict(), path)).')


def safe_torch_load(filename, map_location=None):
    """``torch.load`` with ``weights_only=True`` and an error that names the file."""
    try:
        return torch.load(filename, map_location=map_location, weights_only=True)
    except pickle.UnpicklingError as err:
        raise UnsafeCheckpointError(_describe_refusal(filename, err)) from None


def _load_from_local(filename, map_location=None):
    import os.path as osp
    filename = osp.expanduser(filename)
    if not osp.isfile(filename):
        raise FileNotFoundError(
            f'checkpoint {filename} does not exist: check the path given to '
            'load_from / --resume / init_cfg.checkpoint')
    return safe_torch_load(filename, map_location)


def _load_from_http(filename, map_location=None, model_dir=None):
    return torch.hub.load_state_dict_from_url(
        filename, model_dir=model_dir, map_location=map_location, weights_only=True)


_init_dist_pytorch = dist_utils._init_dist_pytorch
_init_dist_slurm = dist_utils._init_dist_slurm
_ddp_init = MMDistributedDataParallel.__init__


def _init_dist_pytorch_any_device(backend, init_backend='torch', **kwargs):
    if torch.cuda.is_available():
        return _init_dist_pytorch(backend, init_backend, **kwargs)
    torch.distributed.init_process_group(backend='gloo' if backend == 'nccl' else backend,
                                         **kwargs)


def _init_dist_slurm_any_device(backend, port=None, init_backend='torch', **kwargs):
    if torch.cuda.is_available():
        return _init_dist_slurm(backend, port, init_backend, **kwargs)
    # mmengine's slurm path, minus torch.cuda.set_device: rank and world from srun
    nodes = os.environ['SLURM_NODELIST']
    os.environ.setdefault(
        'MASTER_ADDR', subprocess.getoutput(f'scontrol show hostname {nodes} | head -n1'))
    os.environ['MASTER_PORT'] = str(port or os.environ.get('MASTER_PORT', 29500))
    os.environ['WORLD_SIZE'] = os.environ['SLURM_NTASKS']
    os.environ['RANK'] = os.environ['SLURM_PROCID']
    os.environ['LOCAL_RANK'] = os.environ.get('SLURM_LOCALID', '0')
    torch.distributed.init_process_group(backend='gloo' if backend == 'nccl' else backend,
                                         **kwargs)


def _ddp_init_any_device(self, module, *args, **kwargs):
    if not torch.cuda.is_available():
        kwargs['device_ids'] = None
    _ddp_init(self, module, *args, **kwargs)


_save_checkpoint = mme_checkpoint.save_checkpoint


def save_checkpoint_atomically(checkpoint, filename, *args, **kwargs):
    if '://' in str(filename):  # remote backends keep mmengine's own writer
        return _save_checkpoint(checkpoint, filename, *args, **kwargs)
    tmp = f'{filename}.tmp'
    try:
        with open(tmp, 'wb') as f:
            torch.save(checkpoint, f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, filename)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


_getitem = BaseDataset.__getitem__


def _getitem_seeded(self, idx):
    if not isinstance(idx, tuple):
        return _getitem(self, idx)
    idx, seed = idx
    # Restore the caller's state: with num_workers=0 this runs in the training process.
    state = random.getstate(), np.random.get_state(), torch.get_rng_state()
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.default_generator.manual_seed(seed)  # CPU only: leave the CUDA generators be
    try:
        return _getitem(self, idx)
    finally:
        random.setstate(state[0])
        np.random.set_state(state[1])
        torch.set_rng_state(state[2])


def apply():
    torch.serialization.add_safe_globals(SAFE_GLOBALS)
    CheckpointLoader.register_scheme(prefixes='', loader=_load_from_local, force=True)
    CheckpointLoader.register_scheme(
        prefixes=('http://', 'https://'), loader=_load_from_http, force=True)
    # mmengine also keeps module-level references used by some callers.
    mme_checkpoint.load_from_local = _load_from_local
    dist_utils._init_dist_pytorch = _init_dist_pytorch_any_device
    dist_utils._init_dist_slurm = _init_dist_slurm_any_device
    MMDistributedDataParallel.__init__ = _ddp_init_any_device
    mme_runner.save_checkpoint = save_checkpoint_atomically
    BaseDataset.__getitem__ = _getitem_seeded


apply()
