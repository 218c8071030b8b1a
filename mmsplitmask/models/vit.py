"""One plain ViT for SplitMask pre-training and for every transfer task.

Keys follow timm's layout (``patch_embed.proj``, ``blocks.N.attn.qkv``, ...), so
DeiT/timm checkpoints map onto it almost one to one. Besides whole images, the
forward takes the indices of the patches each sequence sees: SplitMask feeds both
halves of a batch as one call on 2B equal-length sequences.
"""
import math
from typing import Optional, Sequence

import torch
from mmengine.model import BaseModule
from mmengine.model.weight_init import trunc_normal_
from torch import nn
from torch.utils.checkpoint import checkpoint

from ..registry import register_model
from .checkpoint_loading import load_pretrained_strictly
from .pos_embed import resize_pos_embed, sincos_pos_embed_2d
from .transformer import TransformerBlock
from .window_attention import SpatialBlock

ARCHS = {
    'tiny': dict(embed_dims=192, num_layers=12, num_heads=3),
    'small': dict(embed_dims=384, num_layers=12, num_heads=6),
    'base': dict(embed_dims=768, num_layers=12, num_heads=12),
    'large': dict(embed_dims=1024, num_layers=24, num_heads=16),
}


@register_model('mmpretrain', 'mmdet', 'mmseg')
class SplitMaskViT(BaseModule):
    """Vision Transformer with a class token and absolute position embedding.

    Args:
        arch: 'tiny' | 'small' | 'base' | 'large', or a dict with ``embed_dims``,
            ``num_layers``, ``num_heads`` (and optionally ``mlp_ratio``).
        img_size: the pre-training resolution; other sizes interpolate the
            position embedding.
        pos_embed: 'learned' or 'sincos' (fixed 2-D sine-cosine, any size).
        out_indices: blocks whose outputs are returned (negative counts back).
        out_type: 'raw' (B, 1+L, C) tokens, 'cls_token' (B, C),
            'avg_featmap' (B, C) mean of patch tokens, or 'featmap'
            (B, C, h, w) maps, one per out index (for dense transfer).
        final_norm: apply the last LayerNorm to the last block's output.
        pyramid: kwargs of mmseg's ``Feature2Pyramid`` (e.g. ``dict(norm_cfg=
            dict(type='SyncBN'))``) to turn four 'featmap' outputs into strides
            4/8/16/32 as the paper does: two 2x transposed convolutions, one,
            identity, 2x max-pooling. Its weights are new in transfer.
        layer_scale_init_value: > 0 enables layer scale with this init value.
        frozen: no gradients and eval mode for the whole encoder (linear probing);
            a pyramid adapter stays trainable.
        window_size: > 0 turns on ViTDet's window attention (windows of this many
            patches a side, padded as detectron2) in every block not in
            ``global_blocks``; needs ``with_cls_token=False``.
        global_blocks: blocks that keep global attention when windows are on.
        rel_pos: None, 'decomposed' (ViTDet: per-block height/width tables, zero-init)
            or 'beit' (BEiT: one table per block): see ``rel_pos.py``.
        rel_pos_map_size: the feature-map side the global blocks' decomposed tables
            are sized for (ViTDet: 1024 / 16 = 64); default the pre-training grid.
            Other sizes resize the tables at each forward.
        with_cls_token: False drops the class token (ViTDet); its checkpoint weight is
            then listed as unused on loading, like the final norm when
            ``final_norm=False``.
        with_cp: activation checkpointing of every block while training (memory for
            compute: ViT-L at 1024 px).
    """

    def __init__(self,
                 arch='small',
                 img_size=224,
                 patch_size=16,
                 in_channels=3,
                 mlp_ratio=4.0,
                 qkv_bias=True,
                 drop_path_rate=0.0,
                 layer_scale_init_value=0.0,
                 pos_embed='learned',
                 out_indices: Sequence[int] = (-1, ),
                 out_type='raw',
                 final_norm=True,
                 pyramid: Optional[dict] = None,
                 frozen=False,
                 window_size=0,
                 global_blocks: Sequence[int] = (),
                 rel_pos: Optional[str] = None,
                 rel_pos_map_size: Optional[int] = None,
                 with_cls_token=True,
                 with_cp=False,
                 init_cfg=None):
        super().__init__(init_cfg=init_cfg)
        settings = dict(ARCHS[arch]) if isinstance(arch, str) else dict(arch)
        self.embed_dims = settings['embed_dims']
        self.num_layers = settings['num_layers']
        mlp_ratio = settings.get('mlp_ratio', mlp_ratio)
        if pos_embed not in ('learned', 'sincos'):
            raise ValueError(f"pos_embed must be 'learned' or 'sincos', got {pos_embed!r}")
        if out_type not in ('raw', 'cls_token', 'avg_featmap', 'featmap'):
            raise ValueError(f'unknown out_type {out_type!r}')
        if out_type == 'cls_token' and not with_cls_token:
            raise ValueError("out_type='cls_token' needs with_cls_token=True")
        self.pos_embed_type = pos_embed
        self.out_type = out_type
        self.final_norm = final_norm
        self.patch_size = patch_size
        img_size = (img_size, img_size) if isinstance(img_size, int) else tuple(img_size)
        self.patch_resolution = (img_size[0] // patch_size, img_size[1] // patch_size)
        num_patches = self.patch_resolution[0] * self.patch_resolution[1]

        self.patch_embed = nn.Module()
        self.patch_embed.proj = nn.Conv2d(
            in_channels, self.embed_dims, patch_size, stride=patch_size)
        self.with_cls_token = with_cls_token
        if with_cls_token:
            self.cls_token = nn.Parameter(torch.zeros(1, 1, self.embed_dims))
        else:
            self.register_parameter('cls_token', None)
        if pos_embed == 'learned':
            # Position 0 belongs to the class token, as in timm/DeiT/BEiT.
            self.pos_embed = nn.Parameter(torch.zeros(1, 1 + num_patches, self.embed_dims))
        else:
            self.register_parameter('pos_embed', None)

        dpr = torch.linspace(0, drop_path_rate, self.num_layers).tolist()
        block_args = [(self.embed_dims, settings['num_heads'], mlp_ratio, qkv_bias, dpr[i],
                       layer_scale_init_value) for i in range(self.num_layers)]
        self.spatial = bool(window_size or rel_pos)  # blocks that need the grid size
        if self.spatial:
            self.blocks = nn.ModuleList([
                SpatialBlock(*args, **self._spatial_kwargs(
                    i, window_size, global_blocks, rel_pos, rel_pos_map_size))
                for i, args in enumerate(block_args)])
        else:
            self.blocks = nn.ModuleList([TransformerBlock(*args) for args in block_args])
        self.with_cp = with_cp
        # Without a final norm (ViTDet), the model has no norm weights to load.
        self.norm = nn.LayerNorm(self.embed_dims, eps=1e-6) if final_norm else None

        self.out_indices = sorted(i % self.num_layers for i in out_indices)
        self.pyramid = None
        if pyramid is not None:
            from mmseg.models.necks import Feature2Pyramid
            if out_type != 'featmap' or len(self.out_indices) != 4:
                raise ValueError("pyramid needs out_type='featmap' and 4 out_indices")
            pyramid = {'norm_cfg': dict(type='BN'), **pyramid}
            self.pyramid = Feature2Pyramid(self.embed_dims, rescales=[4, 2, 1, 0.5], **pyramid)
        self.frozen = frozen
        if frozen:
            for name, param in self.named_parameters():
                param.requires_grad = name.startswith('pyramid.')

    def _spatial_kwargs(self, index, window_size, global_blocks, rel_pos, map_size):
        if window_size and self.with_cls_token:
            raise ValueError('window attention has no place for a class token: build the '
                             'backbone with with_cls_token=False')
        windowed = window_size and index % self.num_layers not in [
            i % self.num_layers for i in global_blocks]
        # BEiT's tables come from pre-training; ViTDet's global ones fit the detection map
        grid = (map_size, map_size) if map_size and rel_pos != 'beit' else self.patch_resolution
        return dict(window_size=window_size if windowed else 0, rel_pos=rel_pos,
                    rel_pos_size=(window_size, window_size) if windowed else grid)

    def checkpoint_key_roles(self):
        """Patterns of weights a plain ViT checkpoint lacks (new, zero-initialised)
        and has but this configuration does not use, for the loader's messages."""
        new = ('blocks.*.attn.rel_pos.*', ) if self.spatial else ()
        unused = ('cls_token', ) * (not self.with_cls_token) + ('norm.*', ) * (self.norm is None)
        return new, unused

    def train(self, mode=True):
        super().train(mode)
        if self.frozen:  # keep dropout/drop-path off in the frozen encoder
            for name, child in self.named_children():
                if name != 'pyramid':
                    child.eval()
        return self

    # ------------------------------------------------------------------ init
    def init_weights(self):
        if isinstance(self.init_cfg, dict) and self.init_cfg.get('type') == 'Pretrained':
            self._init_random()  # modules the checkpoint lacks still get an init
            load_pretrained_strictly(self, self.init_cfg)
            self._is_init = True
            return
        self._init_random()
        super().init_weights()

    def _init_random(self):
        for m in self.modules():
            if isinstance(m, nn.Linear):
                trunc_normal_(m.weight, std=0.02)
                if m.bias is not None:
                    nn.init.zeros_(m.bias)
            elif isinstance(m, nn.LayerNorm):
                nn.init.ones_(m.weight)
                nn.init.zeros_(m.bias)
        w = self.patch_embed.proj.weight
        nn.init.xavier_uniform_(w.view(w.shape[0], -1))
        if self.cls_token is not None:
            trunc_normal_(self.cls_token, std=0.02)
        if self.pos_embed is not None:
            trunc_normal_(self.pos_embed, std=0.02)
        # BEiT's depth rescaling keeps the residual stream's variance bounded.
        for depth, block in enumerate(self.blocks, start=1):
            block.attn.proj.weight.data.div_(math.sqrt(2.0 * depth))
            block.mlp.fc2.weight.data.div_(math.sqrt(2.0 * depth))

    # --------------------------------------------------------------- helpers
    def patch_pos_embed(self, grid_hw):
        """Position embedding of the patch tokens for a (h, w) grid: (1, h*w, C)."""
        if self.pos_embed is None:
            weight = self.patch_embed.proj.weight
            return sincos_pos_embed_2d(grid_hw, self.embed_dims).to(weight)
        return resize_pos_embed(self.pos_embed[:, 1:], self.patch_resolution, grid_hw)

    def cls_pos_embed(self):
        if self.pos_embed is None:
            return torch.zeros_like(self.cls_token)
        return self.pos_embed[:, :1]

    def embed_patches(self, images):
        """Patch embedding plus position: (B, h*w, C) and the grid (h, w)."""
        x = self.patch_embed.proj(images)
        grid_hw = tuple(x.shape[-2:])
        # contiguous (B, L, C) once here, so later gathers and reshapes are views
        x = x.flatten(2).transpose(1, 2).contiguous()
        return x + self.patch_pos_embed(grid_hw), grid_hw

    def get_layer_depth(self, param_name: str, prefix: str = ''):
        """Depth for layer-wise lr decay: embeddings 0, block i -> i+1, rest last."""
        num_depths = self.num_layers + 2
        if not param_name.startswith(prefix):
            return num_depths - 1, num_depths
        name = param_name[len(prefix):]
        if name.startswith(('cls_token', 'pos_embed', 'patch_embed')):
            return 0, num_depths
        if name.startswith('blocks.'):
            return int(name.split('.')[1]) + 1, num_depths
        return num_depths - 1, num_depths

    # --------------------------------------------------------------- forward
    def encode(self, tokens, grid_hw=None):
        """Run the blocks on (S, 1+L, C) tokens; returns the outputs at out_indices.
        Spatial blocks (windows, relative bias) take the (h, w) grid of the L tokens."""
        outs = []
        for i, block in enumerate(self.blocks):
            args = (tokens, grid_hw) if self.spatial else (tokens, )
            if self.with_cp and self.training and torch.is_grad_enabled():
                tokens = checkpoint(block, *args, use_reentrant=False)
            else:
                tokens = block(*args)
            if i == self.num_layers - 1 and self.final_norm:
                tokens = self.norm(tokens)
            outs += [tokens] * self.out_indices.count(i)  # an index may repeat
        return outs

    def forward(self, images, visible_idx: Optional[torch.Tensor] = None):
        """Encode whole images, or only the patches listed in ``visible_idx``.

        Args:
            images: (B, 3, H, W).
            visible_idx: optional (S, k) long tensor, S a multiple of B; sequence
                s sees patches ``visible_idx[s]`` of image ``s % B``. All S
                sequences go through the encoder in one call.
        """
        x, grid_hw = self.embed_patches(images)
        if visible_idx is not None:
            if self.spatial:
                raise ValueError('visible_idx (token subsets) needs plain blocks: no '
                                 'window attention or relative position bias')
            x = gather_sequences(x, visible_idx)
        if self.with_cls_token:
            cls = (self.cls_token + self.cls_pos_embed()).expand(x.shape[0], -1, -1)
            x = torch.cat([cls, x], dim=1)
        outs = self.encode(x, grid_hw)
        if visible_idx is not None:
            return tuple(outs)
        return self._format_outputs(outs, grid_hw)

    def _format_outputs(self, outs, grid_hw):
        if self.out_type == 'raw':
            return tuple(outs)
        if self.out_type == 'cls_token':
            return tuple(o[:, 0] for o in outs)
        first = int(self.with_cls_token)  # the patch tokens start after the class token
        if self.out_type == 'avg_featmap':
            return tuple(o[:, first:].mean(dim=1) for o in outs)
        maps = [o[:, first:].transpose(1, 2).reshape(o.shape[0], -1, *grid_hw) for o in outs]
        return self.pyramid(maps) if self.pyramid is not None else tuple(maps)


def gather_sequences(x, index):
    """Pick ``index[s]`` tokens of image ``s % B`` from (B, L, C) in one gather."""
    batch, length, dims = x.shape
    image_of_seq = torch.arange(index.shape[0], device=x.device) % batch
    flat = (image_of_seq[:, None] * length + index).reshape(-1)
    return x.reshape(batch * length, dims)[flat].view(*index.shape, dims)
