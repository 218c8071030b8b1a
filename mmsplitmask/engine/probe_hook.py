"""Dense linear probe of the encoder during pre-training, logged beside the losses."""
from mmengine.dist import is_main_process
from mmengine.hooks import Hook

from ..evaluation.probe import (DEFAULT_MEAN, DEFAULT_STD, dense_probe, encoder_patch_size,
                                read_seg_split)
from ..registry import register_hook


@register_hook('mmpretrain')
class ProbeHook(Hook):
    """Every ``interval`` iterations (and after the last), fit the dense linear probe
    of :mod:`mmsplitmask.evaluation.probe` on the frozen ``model.backbone`` and log
    ``probe/dense_miou`` and ``probe/dense_acc`` (scalars.json, so
    ``tools/analysis_tools/analyze_logs.py --keys probe/dense_miou`` draws them).

    Switch it on in a pre-training config::

        custom_hooks = [..., dict(type='ProbeHook', seg_root='data/demo', interval=100)]

    Args:
        seg_root: folder segmentation dataset (images/{train,val}, seg/{train,val});
            where it has none, the hook warns once and stays off.
        interval: iterations between probes.
        max_train / max_val: images used from each split (bounds the cost).
        block: the encoder block probed (-1: the last, after the final norm).
    """

    priority = 'LOW'

    def __init__(self, seg_root, interval=100, max_train=100, max_val=50, block=-1, seed=0):
        try:
            self.train = read_seg_split(seg_root, 'train')[:max_train]
            self.val = read_seg_split(seg_root, 'val')[:max_val]
        except FileNotFoundError as err:  # optional diagnostics: say so, train on
            self.train = self.val = None
            self.missing = str(err)
        self.interval = interval
        self.block = block
        self.seed = seed

    def before_train(self, runner):
        if self.train is None:
            runner.logger.warning(f'ProbeHook is off: {self.missing}. Point custom_hooks\' '
                                  f'ProbeHook seg_root at labelled scenes, or remove the hook.')

    def after_train_iter(self, runner, batch_idx, data_batch=None, outputs=None):
        if self.train is None:
            return
        if self.every_n_train_iters(runner, self.interval) or self.is_last_train_iter(runner):
            self.probe(runner)

    def probe(self, runner):
        if not is_main_process():  # the probe needs no other process; rank 0 logs it
            return
        model = runner.model.module if hasattr(runner.model, 'module') else runner.model
        # normalise the probe images as the model's data preprocessor does
        pre = model.data_preprocessor
        mean = pre.mean.flatten().tolist() if hasattr(pre, 'mean') else DEFAULT_MEAN
        std = pre.std.flatten().tolist() if hasattr(pre, 'std') else DEFAULT_STD
        scores = dense_probe(model.backbone, self.train, self.val, mean, std, block=self.block,
                             patch_size=encoder_patch_size(model.backbone), seed=self.seed)
        step = runner.iter + 1
        runner.visualizer.add_scalars(
            {'probe/dense_miou': scores['miou'], 'probe/dense_acc': scores['acc']}, step=step)
        runner.logger.info(f'Iter {step}: dense probe mIoU {scores["miou"]:.2f}, '
                           f'pixel acc. {scores["acc"]:.2f} ({len(self.train)} train / '
                           f'{len(self.val)} val images)')
