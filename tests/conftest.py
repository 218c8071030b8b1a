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
