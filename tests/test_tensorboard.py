"""The TensorBoard option of docs/train_test.md: a short run writes TensorBoard event files."""
import glob
import os.path as osp

import numpy as np
from PIL import Image

from conftest import run_tool

# The option docs/train_test.md documents.
TENSORBOARD = 'visualizer.vis_backends.0.type=TensorboardVisBackend'


def test_tensorboard_option_writes_event_files(tmp_path):
    images = tmp_path / 'images'
    images.mkdir()
    rng = np.random.default_rng(0)
    for i in range(4):  # 2 iterations of batch 2: enough to log scalars
        Image.fromarray(rng.integers(0, 256, (80, 80, 3), dtype=np.uint8)).save(
            images / f'{i}.png')
    work_dir = tmp_path / 'run'
    run_tool('tools/train.py', 'tests/configs/splitmask_tiny.py', '--work-dir', str(work_dir),
             '--cfg-options', TENSORBOARD, f'train_dataloader.dataset.data_root={images}',
             'train_dataloader.batch_size=2', 'train_cfg.max_epochs=1')
    events = glob.glob(osp.join(work_dir, '*', 'vis_data', 'events.out.tfevents.*'))
    assert events, f'no TensorBoard event file under {work_dir}/*/vis_data'

    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
    scalars = EventAccumulator(events[0]).Reload().Tags()['scalars']
    assert {'loss', 'loss_mim', 'lr'} <= set(scalars), scalars
