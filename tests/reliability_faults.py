"""Test-only fault injection for runs started by the tests (custom_imports)."""
from mmengine.dist import get_rank
from mmengine.hooks import Hook
from mmpretrain.registry import HOOKS


@HOOKS.register_module()
class InjectNaNHook(Hook):
    """Makes the loss NaN on ``rank`` at the given 1-based iterations."""

    def __init__(self, iters, rank=0):
        self.iters, self.rank = set(iters), rank

    def before_train(self, runner):
        if get_rank() != self.rank:
            return
        model = getattr(runner.model, 'module', runner.model)
        loss = model.loss

        def poisoned(*args, **kwargs):
            losses = loss(*args, **kwargs)
            if runner.iter + 1 in self.iters:
                losses['loss_mim'] = losses['loss_mim'] * float('nan')
            return losses
        model.loss = poisoned
