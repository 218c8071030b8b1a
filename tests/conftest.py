import glob
import os
import os.path as osp
import subprocess
import sys

import pytest

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
sys.path.insert(0, ROOT)
sys.path.insert(0, osp.join(ROOT, 'tools'))

import demo  # noqa: E402
from analysis_tools.analyze_logs import read_run  # noqa: E402


# The tiny pre-training config every test trains, and its ViT (2 blocks, 64 wide).
TINY_CONFIG = 'tests/configs/splitmask_tiny.py'
TINY = dict(embed_dims=64, num_layers=2, num_heads=4)


def run_tool(*args, timeout=600, env=None, check=True, cwd=ROOT):
    """Run ``python tools/...`` (or a shell script) from the repo root (or ``cwd``);
    return output."""
    cmd = list(args)
    if cmd[0].endswith('.py'):
        cmd = [sys.executable, *cmd]
    full_env = {**os.environ, 'PYTHONPATH': ROOT, 'OMP_NUM_THREADS': '1', **(env or {})}
    proc = subprocess.run(cmd, cwd=cwd, env=full_env, capture_output=True, text=True,
                          timeout=timeout)
    output = proc.stdout + proc.stderr
    if check and proc.returncode != 0:
        raise AssertionError(f'{" ".join(cmd)} failed ({proc.returncode}):\n{output[-6000:]}')
    return proc.returncode, output


def toolbox_tool(package, name):
    """The train.py / test.py a toolbox ships inside its package (what ``mim train``
    and ``mim test`` run), to check our configs under the toolbox's own tools."""
    module = __import__(package)
    path = osp.join(osp.dirname(module.__file__), '.mim', 'tools', name)
    assert osp.isfile(path), f'{package} has no shipped tools/{name} at {path}'
    return path


@pytest.fixture(scope='session')
def scenes(tmp_path_factory):
    """Generated COCO-format + semantic-mask scenes with non-square sizes."""
    from mmsplitmask.datasets.synthetic import make_dataset
    return make_dataset(str(tmp_path_factory.mktemp('scenes')), num_train=48, num_val=6,
                        size_range=(90, 150), seed=0)


def data_options(root, kind):
    """The demo's data options, without worker processes (2 cores, short runs)."""
    return demo.data_options(root, kind) + [
        f'{split}_dataloader.{key}' for split in ('train', 'val', 'test')
        for key in ('num_workers=0', 'persistent_workers=False')]


def read_scalars(work_dir):
    """Every logged record of the newest run in ``work_dir``."""
    return read_run(work_dir)


def logged(work_dir, key='loss'):
    """{iteration: record} of the newest run's records that have ``key``; {} while a
    starting run has logged nothing yet."""
    if not glob.glob(osp.join(work_dir, '*', 'vis_data', 'scalars.json')):
        return {}
    return {r['iter']: r for r in read_scalars(work_dir) if key in r}


def tiny_dataset(folder, updates=None):
    """The tiny config's pre-training dataset on the images in ``folder``;
    ``updates`` {step index: kwargs} changes steps of its pipeline."""
    from mmengine.config import Config
    from mmengine.registry import DefaultScope
    from mmpretrain.registry import DATASETS
    import mmsplitmask  # noqa: F401
    cfg = Config.fromfile(osp.join(ROOT, TINY_CONFIG))
    dataset = dict(cfg.train_dataloader.dataset, data_root=str(folder))
    for index, kwargs in (updates or {}).items():
        dataset['pipeline'][index].update(kwargs)
    with DefaultScope.overwrite_default_scope('mmpretrain'):
        return DATASETS.build(dataset)


@pytest.fixture(scope='session')
def tiny_pretrained(scenes, tmp_path_factory):
    """One epoch (3 iterations) of the tiny pre-training on the scenes, run by
    mmpretrain's own shipped tools/train.py (what ``mim train mmpretrain`` runs): its work
    dir (epoch_1.pth, logs). Shared: write elsewhere."""
    work = tmp_path_factory.mktemp('tiny_pretrained')
    run_tool(toolbox_tool('mmpretrain', 'train.py'), TINY_CONFIG, '--work-dir', str(work),
             '--cfg-options', f'train_dataloader.dataset.data_root={scenes}/pretrain',
             'train_cfg.max_epochs=1')
    return work
