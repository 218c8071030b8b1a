"""1,000 training iterations keep memory flat: no per-step leak in the model, the
hooks (non-finite guard, resume, logging), the sampler or the data pipeline."""
import resource

import torch
from mmengine.config import Config
from mmengine.hooks import Hook
from mmengine.runner import Runner

PAGE = resource.getpagesize()


class RSSRecorder(Hook):
    """Resident memory of this process every ``interval`` iterations."""

    def __init__(self, interval=100):
        self.interval, self.rss = interval, {}

    def after_train_iter(self, runner, batch_idx, data_batch=None, outputs=None):
        if (runner.iter + 1) % self.interval == 0:
            with open('/proc/self/statm') as f:
                self.rss[runner.iter + 1] = int(f.read().split()[1]) * PAGE


def test_rss_stays_flat_over_1000_iterations(scenes, tmp_path):
    cfg = Config.fromfile('tests/configs/splitmask_tiny.py')
    # 1 block of width 32 on 32x32 crops (2x2 patches), batch 4: 40 images = 10
    # iterations an epoch, 100 epochs.
    cfg.merge_from_dict({
        'model.backbone.arch': dict(embed_dims=32, num_layers=1, num_heads=2),
        'model.backbone.img_size': 32,
        'model.neck': dict(embed_dims=32, num_heads=2, num_layers=1),
        'model.head.embed_dims': 32,
        'train_dataloader.batch_size': 4,
        'train_dataloader.dataset.data_root': f'{scenes}/pretrain',
        'train_dataloader.dataset.indices': 40,
        'train_cfg.max_epochs': 100,
        'default_hooks.logger.interval': 100,
        'default_hooks.checkpoint.interval': 100,
        'work_dir': str(tmp_path), 'experiment_name': f'memory_{tmp_path.name}'})
    pipeline = cfg.train_dataloader.dataset.pipeline
    pipeline[2].update(size=32, second_size=16)
    pipeline[3].update(input_size=2, mode='uniform')  # block mode needs 3x3 or more
    runner = Runner.from_cfg(cfg)
    recorder = RSSRecorder()
    runner.register_hook(recorder)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # as the subprocess tests (OMP_NUM_THREADS=1): 2 shared cores
    try:
        runner.train()
    finally:
        torch.set_num_threads(threads)

    rss = recorder.rss
    assert sorted(rss) == list(range(100, 1001, 100))
    warm = rss[200]  # after warm-up: allocator pools, first epochs, log buffers
    growth = (max(rss[i] for i in rss if i > 200) - warm) / warm
    print('\nRSS MiB by iteration: ' + ', '.join(f'{i}: {v / 2**20:.0f}' for i, v in rss.items())
          + f'; growth after iteration 200: {100 * growth:.2f}%')
    assert growth < 0.05
