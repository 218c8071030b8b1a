"""One layer-wise lr decay constructor for mmpretrain, mmdet and mmseg configs.

The lr of a parameter at depth d (``backbone.get_layer_depth``: embeddings 0, block
i at i+1, everything after the backbone at the top) is ``lr * decay ** (top - d)``.
No weight decay on 1-D parameters (norms, biases, layer scale), position
embeddings, the class token and mask tokens. Each group's lr is logged.

    optim_wrapper = dict(
        optimizer=dict(type='AdamW', lr=1e-4, weight_decay=0.05),
        constructor='LayerDecayOptimWrapperConstructor',
        paramwise_cfg=dict(layer_decay_rate=0.65))
"""
from collections import OrderedDict

from mmengine.logging import MMLogger
from mmengine.optim import DefaultOptimWrapperConstructor

from ..registry import register_optim_constructor

NO_DECAY_NAMES = ('pos_embed', 'cls_token', 'mask_token')


@register_optim_constructor('mmpretrain', 'mmdet', 'mmseg')
class LayerDecayOptimWrapperConstructor(DefaultOptimWrapperConstructor):

    def add_params(self, params, module, prefix='', is_dcn_module=None):
        decay_rate = self.paramwise_cfg.get('layer_decay_rate', 1.0)
        backbone = getattr(module, 'backbone', None)
        if backbone is None or not hasattr(backbone, 'get_layer_depth'):
            raise TypeError('LayerDecayOptimWrapperConstructor needs model.backbone with '
                            'get_layer_depth(), e.g. SplitMaskViT')
        groups = OrderedDict()
        for name, param in module.named_parameters():
            if not param.requires_grad:
                continue
            if name.startswith('backbone.'):
                depth, num_depths = backbone.get_layer_depth(name, 'backbone.')
            else:
                depth, num_depths = backbone.num_layers + 1, backbone.num_layers + 2
            scale = decay_rate**(num_depths - 1 - depth)
            no_decay = param.ndim == 1 or name.split('.')[-1] in NO_DECAY_NAMES
            key = (depth, no_decay)
            if key not in groups:
                groups[key] = dict(
                    params=[], param_names=[], lr=self.base_lr * scale, lr_scale=scale,
                    layer_depth=depth,
                    weight_decay=0.0 if no_decay else self.base_wd)
            groups[key]['params'].append(param)
            groups[key]['param_names'].append(name)
        params.extend(groups.values())
        self._log_groups(groups.values(), decay_rate)

    @staticmethod
    def _log_groups(groups, decay_rate):
        lines = [f'layer-wise lr decay {decay_rate}: depth / lr / weight decay / #tensors']
        for g in sorted(groups, key=lambda g: (g['layer_depth'], g['weight_decay'])):
            lines.append(f"  {g['layer_depth']:>3} {g['lr']:.3e} {g['weight_decay']:.3g} "
                         f"{len(g['params'])}")
        MMLogger.get_current_instance().info('\n'.join(lines))
