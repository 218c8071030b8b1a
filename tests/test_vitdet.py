"""ViTDet Mask R-CNN: the simple pyramid, ViTDet's heads and layer decay, large-scale
jitter, and the demo-size model fine-tuned from a SplitMask checkpoint by mmdet's own
train.py, then tested by mmdet's test.py and DetInferencer."""
import glob
import os.path as osp

import pytest
import torch
from conftest import ROOT, data_options, read_scalars, run_tool, toolbox_tool
from mmengine.config import Config
from mmengine.registry import DefaultScope, init_default_scope

from test_configs import build_model

VITDET = osp.join(ROOT, 'configs', 'vitdet')
VIT_B = osp.join(VITDET, 'mask-rcnn_vit-base-p16-vitdet-random-init_16xb4-amp-lsj-100e_coco.py')
VIT_S = osp.join(VITDET, 'mask-rcnn_vit-small-p16-vitdet-random-init_16xb4-amp-lsj-100e_coco.py')
DET = 'tests/configs/mask-rcnn_vitdet_tiny.py'


def test_simple_pyramid_gives_five_256_channel_maps_at_strides_4_to_64():
    from mmdet.registry import MODELS
    with DefaultScope.overwrite_default_scope('mmdet'):
        backbone = MODELS.build(dict(
            type='SplitMaskViT', arch=dict(embed_dims=64, num_layers=2, num_heads=4),
            img_size=64, window_size=4, global_blocks=(1, ), rel_pos='decomposed',
            with_cls_token=False, final_norm=False, out_type='featmap'))
        neck = MODELS.build(dict(type='SimpleFeaturePyramid', in_channels=64,
                                 norm_cfg=dict(type='LN2d')))
    images = torch.randn(1, 3, 96, 160)
    maps = neck(backbone(images))
    assert [tuple(m.shape) for m in maps] == [
        (1, 256, 96 // s, 160 // s) for s in (4, 8, 16, 32)] + [(1, 256, 2, 3)]


def test_vitdet_model_has_vitdet_heads():
    cfg = Config.fromfile(VIT_S)
    init_default_scope('mmdet')
    model = build_model(cfg)
    from mmpretrain.models.utils import LayerNorm2d
    assert len(model.rpn_head.rpn_conv) == 2
    box, mask = model.roi_head.bbox_head, model.roi_head.mask_head
    assert type(box).__name__ == 'Shared4Conv1FCBBoxHead' and len(box.shared_convs) == 4
    assert len(mask.convs) == 4
    for conv in [*box.shared_convs, *mask.convs, *model.neck.convs[0]]:
        assert isinstance(conv.norm, LayerNorm2d)
    blocks = model.backbone.blocks
    assert [b.attn.window_size for b in blocks] == [14, 14, 0] * 4
    assert blocks[0].attn.rel_pos.h.shape == (27, 64)  # 2 * 14 - 1 rows
    assert blocks[2].attn.rel_pos.h.shape == (127, 64)  # 2 * 64 - 1 rows at 1024 px


def test_layer_decay_scales_of_vitdet_vit_b():
    """0.7 ** (13 - depth): embeddings 0, block i at i + 1, neck and heads at 13."""
    from mmengine.optim import build_optim_wrapper
    cfg = Config.fromfile(VIT_B)
    cfg.optim_wrapper.type = 'OptimWrapper'  # AMP's wrapper wants a GPU
    with DefaultScope.overwrite_default_scope('mmdet'):
        wrapper = build_optim_wrapper(build_model(cfg), cfg.optim_wrapper)
    scale = {name: g['lr_scale'] for g in wrapper.optimizer.param_groups
             for name in g['param_names']}
    expected = {  # by hand: 0.7^13, 0.7^12, 0.7^1, 0.7^0
        'backbone.patch_embed.proj.weight': 0.009688901040699992,
        'backbone.pos_embed': 0.009688901040699992,
        'backbone.blocks.0.attn.qkv.weight': 0.01384128720099999,
        'backbone.blocks.0.attn.rel_pos.h': 0.01384128720099999,
        'backbone.blocks.11.mlp.fc2.weight': 0.7,
        'backbone.blocks.11.attn.rel_pos.w': 0.7,
        'neck.convs.0.0.conv.weight': 1.0,
        'rpn_head.rpn_conv.1.conv.weight': 1.0,
        'roi_head.bbox_head.shared_convs.3.conv.weight': 1.0,
        'roi_head.mask_head.convs.3.ln.weight': 1.0,
    }
    for name, value in expected.items():
        assert scale[name] == pytest.approx(value, rel=1e-12), name
    assert wrapper.optimizer.defaults['weight_decay'] == 0.1


@pytest.mark.parametrize('scope', ['mmdet', 'mmseg'])
def test_large_scale_jitter_pipelines_build_in_any_scope(scenes, scope):
    """The LSJ pipelines name their transforms' toolbox (mmcv's or mmdet's)."""
    from mmengine.registry import DATASETS
    cfg = Config.fromfile(VIT_B)
    init_default_scope(scope)
    meta = dict(classes=('disc', 'square', 'triangle', 'ring'))
    for split, pipeline in (('train', cfg.train_pipeline), ('val', cfg.test_pipeline)):
        dataset = DATASETS.build(dict(
            type='mmdet.CocoDataset', data_root=scenes, metainfo=meta,
            ann_file=f'annotations/instances_{split}.json',
            data_prefix=dict(img=f'images/{split}/'), pipeline=pipeline))
        item = dataset[0]
        if split == 'train':  # resized to 0.1-2.0 of 1024, cropped, padded
            assert tuple(item['inputs'].shape) == (3, 1024, 1024)
            assert 0.1 * 1024 <= max(item['data_samples'].img_shape) <= 1024
    # test images: longest side 1024, padded to the square by the model's preprocessor,
    # their img_shape (where boxes are clipped) still the image's
    from mmdet.registry import MODELS
    height, width = item['data_samples'].img_shape
    assert max(height, width) == 1024 and min(height, width) < 1024
    with DefaultScope.overwrite_default_scope('mmdet'):
        preprocess = MODELS.build(cfg.model.data_preprocessor)
    batch = preprocess(dict(inputs=[item['inputs']], data_samples=[item['data_samples']]))
    assert tuple(batch['inputs'].shape) == (1, 3, 1024, 1024)
    assert batch['data_samples'][0].img_shape == (height, width)


@pytest.fixture(scope='module')
def trained(scenes, tmp_path_factory):
    """A SplitMask pre-training checkpoint of tests/configs/splitmask_tiny.py (its
    layout: backbone with sin-cos positions, neck, head, tokenizer), fine-tuned for 8
    iterations (32 scenes, batch 4) by mmdet's shipped train.py."""
    from mmpretrain.registry import MODELS
    work = tmp_path_factory.mktemp('vitdet')
    cfg = Config.fromfile(osp.join(ROOT, 'tests/configs/splitmask_tiny.py'))
    with DefaultScope.overwrite_default_scope('mmpretrain'):
        splitmask = MODELS.build(cfg.model)
    splitmask.init_weights()
    pretrained = str(work / 'splitmask.pth')
    torch.save({'state_dict': splitmask.state_dict(), 'meta': {}}, pretrained)
    _, log = run_tool(
        toolbox_tool('mmdet', 'train.py'), DET, '--work-dir', str(work), '--cfg-options',
        *data_options(scenes, 'det'), 'train_dataloader.dataset.indices=32',
        'train_cfg.max_epochs=1', 'train_cfg.val_interval=2', 'randomness.seed=0',
        'default_hooks.logger.interval=1', 'param_scheduler.0.end=2',
        'optim_wrapper.optimizer.lr=1e-3',
        'model.backbone.init_cfg.type=Pretrained',
        f'model.backbone.init_cfg.checkpoint={pretrained}',
        'model.backbone.init_cfg.prefix=backbone.',
        'model.backbone.init_cfg.pos_embed_init=sincos')
    return work, log, pretrained, osp.join(work, 'epoch_1.pth')


def test_vitdet_fine_tunes_from_splitmask(trained):
    work, log, pretrained, ckpt = trained
    assert "unused by this architecture: ['cls_token', 'norm.bias', 'norm.weight']" in log
    assert ("new in this architecture (zero-initialised): ['blocks.0.attn.rel_pos.h', "
            "'blocks.0.attn.rel_pos.w', 'blocks.1.attn.rel_pos.h', 'blocks.1.attn.rel_pos.w']"
            in log)
    assert 'starts from sincos' in log
    losses = [r['loss'] for r in read_scalars(str(work)) if 'loss' in r]
    assert len(losses) == 8 and all(torch.isfinite(torch.tensor(losses)))
    assert sum(losses[-3:]) < sum(losses[:3]), losses
    state = torch.load(ckpt, map_location='cpu', weights_only=False)['state_dict']
    before = torch.load(pretrained, weights_only=True)['state_dict']
    # The tables start at zero and AdamW's decay keeps zero at zero: any change is the
    # gradient's, in the windowed block 0 and the global block 1.
    for block in (0, 1):
        for axis in 'hw':
            assert state[f'backbone.blocks.{block}.attn.rel_pos.{axis}'].abs().sum() > 0
    assert not torch.equal(state['backbone.blocks.1.attn.qkv.weight'],
                           before['backbone.blocks.1.attn.qkv.weight'])


def test_mmdet_test_tool_and_inferencer(scenes, trained, tmp_path):
    _, _, _, ckpt = trained
    _, log = run_tool(toolbox_tool('mmdet', 'test.py'), DET, ckpt, '--work-dir', str(tmp_path),
                      '--cfg-options', *data_options(scenes, 'det'))
    assert 'coco/bbox_mAP' in log and 'coco/segm_mAP' in log
    from mmdet.apis import DetInferencer
    image = sorted(glob.glob(osp.join(scenes, 'images', 'val', '*.jpg')))[0]
    det = DetInferencer(model=DET, weights=ckpt, device='cpu', show_progress=False)
    found = det(image, return_datasamples=True)['predictions'][0]
    assert found.pred_instances.bboxes.shape[1] == 4
