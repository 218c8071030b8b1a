"""Convert a public ViT checkpoint to the key layout of ``SplitMaskViT``.

    python tools/model_converters/convert_vit.py SRC DST --layout LAYOUT

The state dict is read from ``state_dict``, ``model`` or ``module`` when the file
has one of them, else the file is the state dict. Layouts and what they drop:

  timm, deit  timm's VisionTransformer (DeiT releases: under ``model``): keys kept.
              Dropped: head.*, head_dist.*, fc_norm.*. Distilled models
              (dist_token) are refused: their second extra token has no place here.
  mae         official MAE release: timm keys. Dropped as timm, plus decoder_*,
              mask_token.
  beit        official BEiT (unilm) release: q_bias, v_bias -> qkv.bias with a zero
              k bias; gamma_1/gamma_2 -> ls1/ls2.gamma; relative position bias
              tables -> blocks.i.attn.rel_pos.table (a table shared by the blocks,
              rel_pos_bias.*, is copied into each, as BEiT does for fine-tuning):
              build the backbone with rel_pos='beit'. Dropped: mask_token,
              lm_head.*, head.*, fc_norm.*, the tables' index buffers (recomputed);
              with --drop-rel-pos, the tables too (the features then differ).
  mmpretrain  mmpretrain VisionTransformer, ``backbone.`` prefix optional:
              patch_embed.projection, layers.i.{ln1,attn,ln2,ffn}, top-level ln1
              (the final norm) -> timm names. Dropped: head.*, neck.*,
              data_preprocessor.*, ln2.* (the avg_featmap norm).
  splitmask   our pre-training checkpoints: backbone.* without the prefix.
              Dropped: backbone.mask_token, neck.*, head.*, target_generator.*,
              data_preprocessor.*.

Every source key is printed with its destination or as dropped; a key that is
neither is refused (exit 1, nothing written). The result is checked against a
SplitMaskViT of the inferred size, then written atomically as
``{'state_dict': ..., 'meta': {'converted_from': SRC, 'layout': LAYOUT}}``: load it
with ``init_cfg=dict(type='Pretrained', checkpoint=DST)``.
"""
import argparse
import math
import os
import os.path as osp
import re
import sys
import tempfile

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))

import torch  # noqa: E402

import mmsplitmask  # noqa: E402,F401  (installs the weights_only allow-list)
from mmsplitmask.compat import UnsafeCheckpointError, safe_torch_load  # noqa: E402
from mmsplitmask.models import SplitMaskViT  # noqa: E402
from mmsplitmask.models.checkpoint_loading import extract_state_dict  # noqa: E402

# Our keys, which are timm's: layouts that already use them keep them as they are.
VIT_KEY = (r'cls_token|pos_embed|patch_embed\.proj\.(weight|bias)|norm\.(weight|bias)'
           r'|blocks\.\d+\.(norm1|norm2|attn\.qkv|attn\.proj|mlp\.fc1|mlp\.fc2)\.(weight|bias)'
           r'|blocks\.\d+\.ls[12]\.gamma')
KEEP = [(VIT_KEY, r'\g<0>')]
CLASSIFIER = (r'head\..*', r'head_dist\..*', r'fc_norm\..*')


class ConversionError(Exception):
    pass


class Conversion:
    """The converted tensors and what became of every source key."""

    def __init__(self, state, filename):
        self.state = state
        self.filename = filename
        self.out = {}
        self.mapped = []  # (source keys, destination key, note)
        self.dropped = []

    def map(self, dst, *srcs, value=None, note=''):
        if dst in self.out:
            raise ConversionError(f'{self.filename}: {srcs} and an earlier key both map to {dst}')
        self.out[dst] = self.state[srcs[0]] if value is None else value
        self.mapped.append((srcs, dst, note))

    def drop(self, key):
        self.dropped.append(key)

    def rename(self, rules, drops=()):
        """Drop unhandled keys matching a drop pattern, map those matching a
        (pattern, replacement) rule; patterns match whole keys."""
        for key in self.unhandled():
            if any(re.fullmatch(p, key) for p in drops):
                self.drop(key)
                continue
            for pattern, repl in rules:
                match = re.fullmatch(pattern, key)
                if match:
                    self.map(match.expand(repl), key)
                    break

    def unhandled(self):
        done = set(self.dropped).union(*(srcs for srcs, _, _ in self.mapped))
        return [k for k in self.state if k not in done]


# ------------------------------------------------------------------ layouts
def convert_timm(conv, args):
    if 'dist_token' in conv.state:
        raise ConversionError(
            f'{conv.filename} is a distilled DeiT/timm model (dist_token): its position '
            'embedding has a second extra token, which SplitMaskViT cannot represent. '
            'Convert the non-distilled release instead.')
    conv.rename(KEEP, CLASSIFIER)


def convert_mae(conv, args):
    conv.rename(KEEP, CLASSIFIER + (r'decoder_.*', 'mask_token'))


def convert_beit(conv, args):
    # Per-block tables keep their block; a shared one goes to every block.
    rel_pos = [k for k in conv.state
               if k.startswith('rel_pos_bias.') or '.relative_position_' in k]
    for key in rel_pos:
        if args.drop_rel_pos or key.endswith('relative_position_index'):
            conv.drop(key)
    per_block = r'blocks\.(\d+)\.attn\.relative_position_bias_table'
    conv.rename([(per_block, r'blocks.\1.attn.rel_pos.table')])
    shared = 'rel_pos_bias.relative_position_bias_table'
    if shared in conv.unhandled():
        depth = 1 + max(int(k.split('.')[1]) for k in conv.state if k.startswith('blocks.'))
        for i in range(depth):
            conv.map(f'blocks.{i}.attn.rel_pos.table', shared,
                     value=conv.state[shared].clone(), note=' (shared table, copied)')
    for key in conv.unhandled():
        match = re.fullmatch(r'(blocks\.\d+\.attn\.)q_bias', key)
        if match and match.group(1) + 'v_bias' in conv.state:
            attn = match.group(1)
            q, v = conv.state[key], conv.state[attn + 'v_bias']
            conv.map(attn + 'qkv.bias', key, attn + 'v_bias',
                     value=torch.cat([q, torch.zeros_like(q), v]), note=' (k bias zero)')
    conv.rename([(r'blocks\.(\d+)\.gamma_([12])', r'blocks.\1.ls\2.gamma')] + KEEP,
                CLASSIFIER + ('mask_token', r'lm_head\..*'))


MMPRETRAIN_RULES = [(r'(?:backbone\.)?' + pattern, repl) for pattern, repl in [
    (r'(cls_token|pos_embed)', r'\1'),
    (r'patch_embed\.projection\.(weight|bias)', r'patch_embed.proj.\1'),
    (r'layers\.(\d+)\.ln([12])\.(weight|bias)', r'blocks.\1.norm\2.\3'),
    (r'layers\.(\d+)\.attn\.(qkv|proj)\.(weight|bias)', r'blocks.\1.attn.\2.\3'),
    (r'layers\.(\d+)\.attn\.gamma1\.weight', r'blocks.\1.ls1.gamma'),
    (r'layers\.(\d+)\.ffn\.layers\.0\.0\.(weight|bias)', r'blocks.\1.mlp.fc1.\2'),
    (r'layers\.(\d+)\.ffn\.layers\.1\.(weight|bias)', r'blocks.\1.mlp.fc2.\2'),
    (r'layers\.(\d+)\.ffn\.gamma2\.weight', r'blocks.\1.ls2.gamma'),
    (r'ln1\.(weight|bias)', r'norm.\1'),  # top-level ln1 is the final norm
]]


def convert_mmpretrain(conv, args):
    conv.rename(MMPRETRAIN_RULES,
                (r'(head|neck|data_preprocessor)\..*', r'(?:backbone\.)?ln2\..*'))


def convert_splitmask(conv, args):
    conv.rename([(rf'backbone\.({VIT_KEY})', r'\1')],
                (r'backbone\.mask_token', r'(neck|head|target_generator|data_preprocessor)\..*'))


LAYOUTS = dict(timm=convert_timm, deit=convert_timm, beit=convert_beit, mae=convert_mae,
               mmpretrain=convert_mmpretrain, splitmask=convert_splitmask)


# ------------------------------------------------------------------- driver
def load_state(filename):
    if not osp.isfile(filename):
        raise ConversionError(f'{filename} does not exist')
    checkpoint = safe_torch_load(filename, map_location='cpu')  # weights_only=True
    state = extract_state_dict(checkpoint)
    where = next((f"['{k}']" for k in ('state_dict', 'model', 'module')
                  if isinstance(checkpoint, dict) and checkpoint.get(k) is state), '')
    if not isinstance(state, dict):
        raise ConversionError(f'{filename} holds a {type(state).__name__}, not a state dict')
    odd = [k for k, v in state.items() if not isinstance(v, torch.Tensor)]
    if odd:
        raise ConversionError(f'{filename}{where}: entries that are not tensors: {odd[:10]}')
    return state, where


def check_loadable(conv):
    """Compare with a SplitMaskViT of the inferred size. Extra keys and wrong shapes are
    errors (the loader would ignore or reject them); missing keys are warnings."""
    out = conv.out
    if 'patch_embed.proj.weight' not in out or 'blocks.0.mlp.fc1.weight' not in out:
        raise ConversionError(f'{conv.filename}: no patch embedding or block 0 was mapped')
    dims, in_channels, patch = out['patch_embed.proj.weight'].shape[:3]
    depth = 1 + max(int(k.split('.')[1]) for k in out if k.startswith('blocks.'))
    kwargs = dict(patch_size=patch, in_channels=in_channels,
                  mlp_ratio=out['blocks.0.mlp.fc1.weight'].shape[0] / dims,
                  layer_scale_init_value=0.1 if 'blocks.0.ls1.gamma' in out else 0.0,
                  pos_embed='learned' if 'pos_embed' in out else 'sincos')
    grid, heads = 1, 1
    table = out.get('blocks.0.attn.rel_pos.table')
    if table is not None:  # BEiT's: (2s-1)^2 offsets + 3 rows by heads, s the grid side
        grid, heads = (math.isqrt(max(table.shape[0] - 3, 0)) + 1) // 2, table.shape[-1]
        if table.ndim != 2 or (2 * grid - 1)**2 + 3 != table.shape[0] or dims % heads:
            raise ConversionError(f'{conv.filename}: relative position table of shape '
                                  f'{tuple(table.shape)} is not BEiT\'s for a square grid')
        kwargs['rel_pos'] = 'beit'
    # One block stands for all of them: no need to allocate the whole model.
    model = SplitMaskViT(arch=dict(embed_dims=dims, num_layers=1, num_heads=heads),
                         img_size=patch * grid, **kwargs)
    expected = {}
    for key, value in model.state_dict().items():
        names = [f'blocks.{i}.{key[9:]}' for i in range(depth)] if key.startswith(
            'blocks.0.') else [key]
        expected.update(dict.fromkeys(names, value.shape))
    errors = [f'{k} (no such weight)' for k in out if k not in expected]
    errors += [f'{k}: {tuple(out[k].shape)}, expected {tuple(expected[k])}' for k in out
               if k in expected and k != 'pos_embed' and out[k].shape != expected[k]]
    side = 0
    if 'pos_embed' in out:
        shape = out['pos_embed'].shape
        side = math.isqrt(max(shape[1] - 1, 0))
        if len(shape) != 3 or shape[0] != 1 or shape[2] != dims:
            errors.append(f'pos_embed: {tuple(shape)}, expected (1, 1 + patches, {dims})')
        elif side * side != shape[1] - 1:
            print(f'warning: pos_embed has {shape[1]} tokens, not a class token plus a square '
                  'grid: build the backbone with exactly this grid')
    if errors:
        raise ConversionError(f'{conv.filename}: the converted weights do not fit '
                              f'SplitMaskViT: {errors[:10]}')
    missing = [k for k in expected if k not in out]
    if missing:
        print(f'warning: the output lacks {len(missing)} weights of the backbone: {missing[:8]}'
              f'; loading it fails unless init_cfg.allow_missing lists them')
    if 'norm.weight' not in out:
        print("warning: no final norm (the source pools, then normalises with a dropped "
              "fc_norm/ln2): build the backbone with final_norm=False")
    if 'pos_embed' not in out:
        print("warning: no pos_embed: build the backbone with pos_embed='sincos', or with "
              "learned positions and init_cfg.pos_embed_init='zeros'")
    size = f', img_size={(side or grid) * patch}' if side or table is not None else ''
    size += ", rel_pos='beit'" if table is not None else ''
    print(f'load with: SplitMaskViT(arch=dict(embed_dims={dims}, num_layers={depth}, '
          f'num_heads=<as the source>, mlp_ratio={kwargs["mlp_ratio"]:g}), '
          f'patch_size={patch}{size}, layer_scale_init_value={kwargs["layer_scale_init_value"]}'
          f'{" (any value > 0)" if kwargs["layer_scale_init_value"] else ""}, '
          "init_cfg=dict(type='Pretrained', checkpoint=DST))")


def save_atomically(obj, dst):
    folder = osp.dirname(osp.abspath(dst))
    os.makedirs(folder, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=f'.{osp.basename(dst)}.', suffix='.tmp')
    os.close(fd)
    try:
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes it 0600
        torch.save(obj, tmp)
        os.replace(tmp, dst)
    except BaseException:
        if osp.exists(tmp):
            os.unlink(tmp)
        raise


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='Convert a ViT checkpoint to the SplitMaskViT key layout.',
        epilog='See the module docstring for what each layout maps and drops.')
    parser.add_argument('src', help='source checkpoint')
    parser.add_argument('dst', help='output file')
    parser.add_argument('--layout', required=True, choices=sorted(LAYOUTS))
    parser.add_argument('--drop-rel-pos', action='store_true',
                        help='beit: drop the relative position bias tables')
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    try:
        state, where = load_state(args.src)
        print(f'{args.src}{where}: {len(state)} tensors, layout {args.layout}')
        conv = Conversion(state, args.src)
        LAYOUTS[args.layout](conv, args)
        print(f'mapped ({len(conv.mapped)}):')
        for srcs, dst, note in conv.mapped:
            print(f'  {" + ".join(srcs)} -> {dst}{note}')
        print(f'dropped on purpose ({len(conv.dropped)}):')
        for key in conv.dropped:
            print(f'  {key}')
        leftover = conv.unhandled()
        if leftover:
            hint = ' Is --layout right?' if len(leftover) > len(conv.mapped) else ''
            raise ConversionError(
                f'{args.src}: {len(leftover)} key(s) are neither mapped nor on the drop list '
                f'of layout {args.layout!r}: {leftover[:20]}'
                f'{" ..." if len(leftover) > 20 else ""}. Nothing was written.{hint}')
        check_loadable(conv)
    except (ConversionError, UnsafeCheckpointError) as err:
        sys.exit(f'error: {err}')
    save_atomically({'state_dict': conv.out,
                     'meta': {'converted_from': args.src, 'layout': args.layout}}, args.dst)
    print(f'wrote {len(conv.out)} tensors to {args.dst}')


if __name__ == '__main__':
    main()
