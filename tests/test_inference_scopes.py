"""The toolboxes' inference APIs one after another in one Python process, as in a
notebook: mmdet's DetInferencer, mmseg's MMSegInferencer and mmpretrain's
FeatureExtractor on our configs, in both orders, with no registry scope set by hand.
Each inferencer leaves its toolbox's scope current; the configs' pipelines name their
toolbox, so the next one builds regardless (mmpretrain's used to fail with
"PackInputs is not in the mmseg::transform registry")."""
import cv2
import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.registry import DefaultScope

from conftest import ROOT, run_tool

CONFIGS = {'det': ('tests/configs/mask-rcnn_tiny.py', 'mmdet'),
           'seg': ('tests/configs/upernet_tiny.py', 'mmseg'),
           'feat': ('tests/configs/splitmask_tiny.py', 'mmpretrain')}
SESSION = '''
import sys
det_cfg, det_ckpt, seg_cfg, seg_ckpt, feat_cfg, feat_ckpt, image, *order = sys.argv[1:]


def det():
    from mmdet.apis import DetInferencer
    found = DetInferencer(model=det_cfg, weights=det_ckpt, device='cpu')(image)
    print('det', sorted(found['predictions'][0]))


def seg():
    from mmseg.apis import MMSegInferencer
    print('seg', MMSegInferencer(model=seg_cfg, weights=seg_ckpt, device='cpu')(
        image)['predictions'].shape)


def feat():
    from mmpretrain.apis import FeatureExtractor
    print('feat', tuple(FeatureExtractor(feat_cfg, pretrained=feat_ckpt, device='cpu')(
        image)[0][0].shape))


for step in order:
    globals()[step]()
'''


@pytest.fixture(scope='module')
def session(tmp_path_factory):
    """The session script, and its arguments: each tiny config with a checkpoint of its
    model as built (in the format tools/train.py writes) and a 96x128 image."""
    from test_configs import build_model
    folder = tmp_path_factory.mktemp('session')
    args = []
    for name, (config, scope) in CONFIGS.items():
        cfg = Config.fromfile(f'{ROOT}/{config}')
        with DefaultScope.overwrite_default_scope(scope):
            model = build_model(cfg)
        checkpoint = folder / f'{name}.pth'
        meta = {'dataset_meta': {'classes': ('disc', 'square', 'triangle', 'ring')}}
        torch.save({'meta': meta, 'state_dict': model.state_dict()}, checkpoint)
        args += [f'{ROOT}/{config}', str(checkpoint)]
    image = folder / 'scene.jpg'
    cv2.imwrite(str(image), np.random.default_rng(0).integers(0, 255, (96, 128, 3), np.uint8))
    script = folder / 'session.py'
    script.write_text(SESSION)
    return str(script), args + [str(image)]


@pytest.mark.parametrize('order', [('det', 'seg', 'feat'), ('feat', 'seg', 'det')],
                         ids=lambda order: '-'.join(order))
def test_three_toolboxes_in_one_process(session, order):
    script, args = session
    rc, out = run_tool(script, *args, *order, check=False)
    assert rc == 0, out[-4000:]
    printed = [line.split(' ', 1) for line in out.splitlines()
               if line.split(' ', 1)[0] in CONFIGS]
    assert [step for step, _ in printed] == list(order)
    results = dict(printed)
    assert results['det'] == "['bboxes', 'labels', 'masks', 'scores']"
    assert results['seg'] == '(96, 128)' and results['feat'] == '(64, 8, 8)'
