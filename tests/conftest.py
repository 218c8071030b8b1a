import glob
import json
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
    return make_dataset(str(tmp_path_factory.mktemp('scenes')), num_train=48, num_val=6,
                        size_range=(90, 150), seed=0)


def data_options(root, kind):
    """--cfg-options pointing a demo detection/segmentation config at ``root``."""
    opts = [f'{split}_dataloader.dataset.data_root={root}/' for split in ('train', 'val', 'test')]
    if kind == 'det':
        ann = f'{root}/annotations/instances_val.json'
        opts += [f'val_evaluator.ann_file={ann}', f'test_evaluator.ann_file={ann}']
    for split in ('train', 'val', 'test'):  # no worker processes: 2 cores, short runs
        opts += [f'{split}_dataloader.num_workers=0',
                 f'{split}_dataloader.persistent_workers=False']
    return opts


def read_scalars(work_dir):
    """Every logged training record of the newest run in ``work_dir``."""
    runs = sorted(glob.glob(osp.join(work_dir, '*', 'vis_data', 'scalars.json')))
    assert runs, f'no scalars.json under {work_dir}'
    with open(runs[-1]) as f:
        return [json.loads(line) for line in f]

