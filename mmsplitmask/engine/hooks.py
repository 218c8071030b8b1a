"""Hooks that keep long runs alive and repeatable (docs/reliability.md)."""
import os.path as osp
import random

import numpy as np
import torch
from mmengine.dist import all_reduce, get_world_size
from mmengine.hooks import Hook
from mmengine.optim import OptimWrapperDict
from mmengine.runner import EpochBasedTrainLoop

from ..datasets.loading import LoadImageOrSkip
from ..registry import register_hook

SCOPES = ('mmpretrain', 'mmdet', 'mmseg')


class NonFiniteLossError(RuntimeError):
    """Too many non-finite losses in a row; the last good state was saved."""


@register_hook(*SCOPES)
class NonFiniteLossHook(Hook):
    """Skips optimizer steps whose loss is NaN or inf, and stops a run that keeps
    producing them.

    The hook wraps ``runner.optim_wrapper.update_params`` (so ``AmpOptimWrapper`` too).
    When the loss is not finite on any process, no backward and no step run, so
    weights, optimizer moments and the AMP loss scale stay those of the last finite
    step; the skip is logged with its iteration and counted (``nonfinite_skipped`` in
    the log, carried over a resume), and its outputs are kept out of the logged
    (smoothed) curves. After ``max_consecutive`` skips in a row the state is saved to
    ``work_dir/<filename>`` (resumable with ``--resume``; iteration, lr schedule and
    data position are where the run stopped) and :class:`NonFiniteLossError` ends the
    run. With gradient accumulation a skipped micro-batch simply drops out of its
    window.
    """

    priority = 'HIGHEST'  # before RuntimeInfoHook copies the outputs into the log

    def __init__(self, max_consecutive=10, filename='last_good_state.pth'):
        if max_consecutive < 1:
            raise ValueError(f'max_consecutive must be >= 1, got {max_consecutive}')
        self.max_consecutive = max_consecutive
        self.filename = filename
        self.skipped = 0
        self.consecutive = 0
        self.skipped_now = False

    def before_train(self, runner):
        self.runner = runner
        if 'train/nonfinite_skipped' in runner.message_hub.log_scalars:  # resumed
            self.skipped = int(runner.message_hub.get_scalar('train/nonfinite_skipped').current())
        wrapper = runner.optim_wrapper
        for w in (wrapper.values() if isinstance(wrapper, OptimWrapperDict) else [wrapper]):
            w.update_params = self._guard(w.update_params)

    def _guard(self, update_params):
        def guarded(loss, step_kwargs=None, zero_kwargs=None):
            finite = _finite_everywhere(loss)
            self.skipped_now = not finite
            if finite:
                self.consecutive = 0
                update_params(loss, step_kwargs=step_kwargs, zero_kwargs=zero_kwargs)
            else:
                self.skipped += 1
                self.consecutive += 1
                self.runner.logger.warning(
                    f'non-finite loss at iteration {self.runner.iter + 1} (this process: '
                    f'{loss.detach().float().item():.4g}): step skipped ({self.consecutive} in '
                    f'a row, {self.skipped} in total)')
            if self.skipped:  # from the first skip on, every line of the log shows the count
                self.runner.message_hub.update_scalar('train/nonfinite_skipped', self.skipped)
        return guarded

    def after_train_iter(self, runner, batch_idx, data_batch=None, outputs=None):
        if self.skipped_now and outputs:
            outputs.clear()  # on every process (the skip is): a skipped step is not logged
        if self.consecutive < self.max_consecutive:
            return
        runner.save_checkpoint(runner.work_dir, self.filename, by_epoch=False)
        last_good = runner.iter + 1 - self.consecutive
        message = (
            f'{self.consecutive} non-finite losses in a row (iterations {last_good + 1}-'
            f'{runner.iter + 1}, {self.skipped} skipped in all): stopped. Weights and '
            f'optimizer state after iteration {last_good} are in '
            f'{osp.join(runner.work_dir, self.filename)}; lower the learning rate or '
            'lengthen the warm-up, then continue with --resume on that file.')
        runner.logger.error(message)
        raise NonFiniteLossError(message)


def _finite_everywhere(loss):
    """One flag for all processes, so that they all skip or all step (DDP stays in step)."""
    flag = torch.isfinite(loss.detach()).all().float().reshape(1)
    if get_world_size() > 1:
        all_reduce(flag, op='min')
    return bool(flag.item())


@register_hook(*SCOPES)
class ExactResumeHook(Hook):
    """A resumed run continues exactly as if it had never stopped.

    * mmengine restarts an interrupted epoch from its first batch; when resuming from
      a checkpoint saved part-way through an epoch (``CheckpointHook(by_epoch=False)``
      or :class:`NonFiniteLossHook`), this hook makes the :class:`ResumableSampler`
      skip the samples that epoch has already trained on.
    * Checkpoints hold no random state. Data randomness is keyed on the sample
      (ResumableSampler); the model's (drop path) is reseeded here before every
      iteration from (seed, iteration), so it is the same after a resume too.
    """

    def before_train(self, runner):
        loop = runner.train_loop
        if not isinstance(loop, EpochBasedTrainLoop):
            return  # IterBasedTrainLoop fast-forwards its dataloader itself
        done = runner.iter - runner.epoch * len(loop.dataloader)
        if done <= 0:
            return
        sampler = loop.dataloader.sampler
        if not hasattr(sampler, 'skip'):
            runner.logger.warning(
                f'resuming {done} iterations into epoch {runner.epoch + 1}: '
                f'{type(sampler).__name__} restarts the epoch, so those batches are seen '
                "twice; use sampler=dict(type='ResumableSampler') to continue exactly")
            return
        batch_size = loop.dataloader.batch_size or loop.dataloader.batch_sampler.batch_size
        sampler.skip(runner.epoch, done * batch_size)
        runner.logger.info(f'resuming {done} iterations into epoch {runner.epoch + 1}: '
                           f'skipping the {done * batch_size} samples they used')

    def before_train_iter(self, runner, batch_idx, data_batch=None):
        seed = int(np.random.SeedSequence([runner.seed, runner.iter]).generate_state(1)[0])
        random.seed(seed)
        np.random.seed(seed)
        torch.manual_seed(seed)


@register_hook(*SCOPES)
class GlobalMeanLogHook(Hook):
    """Logs losses and accuracies averaged over all processes.

    mmengine logs rank 0's own values; with this hook a log line describes the global
    batch, so runs with 1 and 8 processes can be compared line by line. One
    all-reduce of a few scalars per iteration.
    """

    priority = 'HIGHEST'  # before RuntimeInfoHook copies the outputs into the log

    def after_train_iter(self, runner, batch_idx, data_batch=None, outputs=None):
        if not outputs or get_world_size() == 1:
            return
        keys = sorted(outputs)
        values = torch.stack([torch.as_tensor(outputs[k]).detach().float().reshape(())
                              for k in keys])
        all_reduce(values, op='mean')
        outputs.update(zip(keys, values))


@register_hook(*SCOPES)
class SkippedImagesHook(Hook):
    """Puts the number of unreadable images skipped by :class:`LoadImageOrSkip` (all
    processes and data workers together) into the log every ``interval`` iterations
    and at the end of every epoch, when it has grown. The warnings of the skips
    themselves name each file and the reason."""

    def __init__(self, interval=50):
        self.interval = interval
        self.reported = 0

    def _report(self, runner):
        count = torch.tensor([float(LoadImageOrSkip.total_skipped())])
        if get_world_size() > 1:
            all_reduce(count, op='sum')
        count = int(count.item())
        if count > self.reported:
            runner.logger.warning(f'{count} unreadable images skipped so far '
                                  f'(iteration {runner.iter + 1}, all processes)')
            self.reported = count

    def after_train_iter(self, runner, batch_idx, data_batch=None, outputs=None):
        if self.every_n_train_iters(runner, self.interval):
            self._report(runner)

    def after_train_epoch(self, runner):
        self._report(runner)
