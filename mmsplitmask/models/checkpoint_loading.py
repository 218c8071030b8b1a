"""Loading pre-trained weights into a backbone without ever doing it silently wrong.

mmengine's ``Pretrained`` init loads with ``strict=False`` and only warns, so a wrong
prefix quietly trains from scratch. Here every missing backbone weight is an error
(unless the config lists it in ``allow_missing``), so is every checkpoint weight the
model has no place for (e.g. layer-scale gammas loaded into a model without layer
scale; ``allow_unexpected`` lists exceptions), shape mismatches name the tensor, and
what was loaded, ignored and left out is logged.

A backbone may name, by pattern (``checkpoint_key_roles()``), weights that a plain ViT
checkpoint lacks and that start from zero (ViTDet's relative position tables) and
checkpoint weights its configuration does not use (a class token, a final norm): those
are allowed, and listed by name as new or unused.
"""
import fnmatch

import torch

from mmengine.logging import MMLogger
from mmengine.runner.checkpoint import CheckpointLoader

from .pos_embed import resize_pos_embed, sincos_pos_embed_2d

# Parameters that only exist in transfer models; a pre-training checkpoint lacks them.
TRANSFER_ONLY = ('pyramid.*', )
# Parameters that only matter in pre-training (BEiT's mask token); ignored in transfer.
PRETRAIN_ONLY = ('mask_token', )


class CheckpointMismatchError(RuntimeError):
    pass


def extract_state_dict(checkpoint):
    for key in ('state_dict', 'model', 'module'):
        if isinstance(checkpoint, dict) and isinstance(checkpoint.get(key), dict):
            return checkpoint[key]
    return checkpoint


def strip_prefix(state, prefix, filename):
    if not prefix:
        return dict(state)
    picked = {k[len(prefix):]: v for k, v in state.items() if k.startswith(prefix)}
    if not picked:
        heads = sorted({k.split('.')[0] + '.' for k in state})[:8]
        raise CheckpointMismatchError(
            f'{filename}: no weight starts with prefix {prefix!r}; its keys start with '
            f'{heads}. Fix init_cfg.prefix (use prefix=None for a backbone-only file).')
    return picked


def adapt_pos_embed(module, state, log, pos_embed_init=None):
    """Resize a learned table to this model's grid, or drop it for sincos models.
    ``pos_embed_init`` fills a learned table the checkpoint lacks: 'sincos' (the
    checkpoint's model used fixed sin-cos positions: the table starts from them on
    the pre-training grid, then learns) or 'zeros' (it had none, e.g. BEiT)."""
    if 'pos_embed' not in state:
        if pos_embed_init is None or module.pos_embed is None:
            return
        if pos_embed_init not in ('sincos', 'zeros'):
            raise CheckpointMismatchError(
                f"init_cfg.pos_embed_init must be 'sincos' or 'zeros', got {pos_embed_init!r}")
        table = torch.zeros_like(module.pos_embed)
        if pos_embed_init == 'sincos':
            table[:, 1:] = sincos_pos_embed_2d(module.patch_resolution, table.shape[-1])
        state['pos_embed'] = table
        log.append(f'pos_embed absent from the checkpoint: the learnable table starts from '
                   f'{pos_embed_init} on the {module.patch_resolution} pre-training grid')
        return
    if module.pos_embed is None:
        log.append('pos_embed ignored: this model uses fixed sincos positions')
        del state['pos_embed']
        return
    table = state['pos_embed']
    if table.shape == module.pos_embed.shape:
        return
    src = int(round((table.shape[1] - 1)**0.5))
    if src * src != table.shape[1] - 1:
        raise CheckpointMismatchError(
            f'pos_embed of shape {tuple(table.shape)} is not a square grid plus a class token')
    patches = resize_pos_embed(table[:, 1:], (src, src), module.patch_resolution)
    state['pos_embed'] = torch.cat([table[:, :1], patches], dim=1)
    log.append(f'pos_embed resized from {src}x{src} to {module.patch_resolution}')


def unlisted(keys, patterns):
    return [k for k in keys if not any(fnmatch.fnmatch(k, p) for p in patterns)]


def listed(keys, patterns):
    return [k for k in keys if any(fnmatch.fnmatch(k, p) for p in patterns)]


def load_pretrained_strictly(module, init_cfg):
    """Load ``init_cfg.checkpoint`` (after ``init_cfg.prefix``) into ``module``."""
    filename = init_cfg['checkpoint']
    logger = MMLogger.get_current_instance()
    checkpoint = CheckpointLoader.load_checkpoint(filename, map_location='cpu')
    state = strip_prefix(extract_state_dict(checkpoint), init_cfg.get('prefix'), filename)
    notes = []
    adapt_pos_embed(module, state, notes, init_cfg.get('pos_embed_init'))
    new, unused = getattr(module, 'checkpoint_key_roles', lambda: ((), ()))()
    unused_keys = listed(state, unused)
    for key in unused_keys:
        del state[key]
    try:
        missing, unexpected = module.load_state_dict(state, strict=False)
    except RuntimeError as err:  # size mismatches: torch names tensor and both shapes
        raise CheckpointMismatchError(f'{filename}: {err}') from None
    source = f'{filename} (prefix {init_cfg.get("prefix")!r})'
    new_keys, missing = listed(missing, new), unlisted(missing, new)
    fatal = unlisted(missing, TRANSFER_ONLY + tuple(init_cfg.get('allow_missing', ())))
    if fatal:
        raise CheckpointMismatchError(
            f'{source} lacks {len(fatal)} backbone weights, e.g. {fatal[:5]}. Fix the '
            'checkpoint path or prefix, or list the keys in init_cfg.allow_missing '
            "(patterns like 'blocks.11.*')."
            + (" A checkpoint of a sin-cos model has no pos_embed: set init_cfg."
               "pos_embed_init='sincos' (or 'zeros' if it had no absolute positions, "
               "as BEiT)." if 'pos_embed' in fatal else ''))
    fatal = unlisted(unexpected, PRETRAIN_ONLY + tuple(init_cfg.get('allow_unexpected', ())))
    if fatal:
        raise CheckpointMismatchError(
            f'{source} has {len(fatal)} weights this {type(module).__name__} has no place '
            f'for, e.g. {fatal[:5]}: the architecture differs (layer scale? depth?). Fix '
            'the backbone config, or list the keys in init_cfg.allow_unexpected.')
    logger.info(
        f'Loaded {len(state) - len(unexpected)} tensors into {type(module).__name__} from '
        f'{filename}; missing (newly initialised): {sorted(missing) or "none"}; '
        f'unexpected (ignored): {sorted(unexpected) or "none"}'
        + (f'; new in this architecture (zero-initialised): {sorted(new_keys)}'
           if new_keys else '')
        + (f'; unused by this architecture: {sorted(unused_keys)}' if unused_keys else '')
        + ''.join(f'; {n}' for n in notes))
