import os
import os.path as osp
import subprocess
import sys

import pytest

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
sys.path.insert(0, ROOT)


def run_tool(*args, timeout=600, env=None, check=True):
    """Run ``python tools/...`` (or a shell script) from the repo root; return output."""
    cmd = list(args)
    if cmd[0].endswith('.py'):
        cmd = [sys.executable, *cmd]
    full_env = dict(os.environ, PYTHONPATH=ROOT, OMP_NUM_THREADS='1', **(env or {}))
    proc = subprocess.run(cmd, cwd=ROOT, env=full_env, capture_output=True, text=True,
                          timeout=timeout)
    output = proc.stdout + proc.stderr
    if check and proc.returncode != 0:
        raise AssertionError(f'{" ".join(cmd)} failed ({proc.returncode}):\n{output[-6000:]}')
    return proc.returncode, output


@pytest.fixture(scope='session')
def scenes(tmp_path_factory):
    """Generated COCO-format + semantic-mask scenes with non-square sizes."""
    from mmsplitmask.datasets.synthetic import make_dataset
    return make_dataset(str(tmp_path_factory.mktemp('scenes')), num_train=16, num_val=6,
                        size_range=(90, 150), seed=0)


def config_path(name):
    return osp.join(ROOT, 'tests', 'configs', name)
