"""Test-only fault injection, probes and broken models for runs started by the tests
(custom_imports)."""
import json
import os

import torch
from mmengine.dist import get_rank
from mmengine.hooks import Hook
from mmpretrain.registry import HOOKS, MODELS

from mmsplitmask.models import RandomProjectionTokenizer, SplitMaskDecoder


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


@HOOKS.register_module()
class RecordDropPathMasksHook(Hook):
    """Writes, per rank, the drop-path mask the model draws first in every iteration to
    ``out_dir/rank{N}.json`` ({iteration: mask}), merged with what an earlier (resumed)
    run of the same work wrote.

    Runs after ExactResumeHook's reseed (priority LOW) and draws, from a copy of the
    torch generator, exactly what the first block with drop path draws next: the split,
    gather and scatter before it use no random numbers, so this is that block's mask.
    """

    priority = 'LOW'

    def __init__(self, out_dir):
        self.out_dir = out_dir

    def before_train_iter(self, runner, batch_idx, data_batch=None):
        model = getattr(runner.model, 'module', runner.model)
        block = next(b for b in model.backbone.blocks if b.drop_path > 0)
        sequences = 2 * len(data_batch['data_samples'])  # both halves of every image
        state = torch.get_rng_state()
        mask = (1 - block.drop_path + torch.rand(sequences)).floor()
        torch.set_rng_state(state)
        path = os.path.join(self.out_dir, f'rank{get_rank()}.json')
        masks = json.load(open(path)) if os.path.isfile(path) else {}
        masks[str(runner.iter + 1)] = mask.int().tolist()
        os.makedirs(self.out_dir, exist_ok=True)
        with open(path, 'w') as f:
            json.dump(masks, f)


@MODELS.register_module()
class BatchShuffledTokenizer(RandomProjectionTokenizer):
    """Targets shuffled over every patch of the batch: the token marginal is kept, any
    dependence of a target on its image or its neighbours is gone (a negative control
    of tests/test_learning_checks.py)."""

    def forward(self, images):
        tokens = super().forward(images)
        return tokens.flatten()[torch.randperm(tokens.numel(), device=tokens.device)].view_as(
            tokens)


@MODELS.register_module()
class ContextCutDecoder(SplitMaskDecoder):
    """The decoder with every patch hidden from its context: it sees mask tokens at
    their positions and nothing of the encoder, class token included (a negative control
    of tests/test_learning_checks.py)."""

    def forward(self, latent, visible_idx, patch_pos_embed):
        nothing = latent.new_zeros(latent.shape[0], 1, latent.shape[2])
        return super().forward(nothing, visible_idx[:, :0], patch_pos_embed)
