"""Bad configs fail in one line that names the key or path, before any training."""
import argparse

import pytest
from _common import check_paths, config_errors
from conftest import run_tool
from mmengine.config import Config
from mmengine.runner import Runner

SPLITMASK = 'tests/configs/splitmask_tiny.py'


def exit_message(func, *args):
    with pytest.raises(SystemExit) as err:
        func(*args)
    message = str(err.value.code)
    assert message.startswith('error: ') and '\n' not in message
    return message


def build(cfg, work_dir, cfg_options=None):
    """What tools/train.py does between loading the config and training."""
    args = argparse.Namespace(config=SPLITMASK, cfg_options=cfg_options)
    cfg.work_dir = str(work_dir)
    cfg.experiment_name = f'{work_dir.parent.name}_{work_dir.name}'  # one runner per name
    with config_errors(args):
        runner = Runner.from_cfg(cfg)
        runner.train_loop  # noqa: B018


@pytest.fixture
def cfg(scenes):
    cfg = Config.fromfile(SPLITMASK)
    cfg.train_dataloader.dataset.data_root = f'{scenes}/pretrain'
    return cfg


def test_unknown_type_names_type_registry_and_config(cfg, tmp_path):
    cfg.model.head.type = 'SplitMaskHeed'
    message = exit_message(build, cfg, tmp_path / 'a')
    assert SPLITMASK in message and "unknown type 'SplitMaskHeed'" in message
    assert 'mmpretrain::model registry' in message
    cfg.model.head.type = 'SplitMaskHead'  # a transform is found while building data
    cfg.train_dataloader.dataset.pipeline[1].type = 'RandomFlipp'
    message = exit_message(build, cfg, tmp_path / 'b')
    assert "'RandomFlipp'" in message and 'transform registry' in message


def test_key_a_class_does_not_take_names_the_cfg_option(cfg, tmp_path):
    cfg.model.head.temprature = 0.1
    message = exit_message(build, cfg, tmp_path, {'model.head.temprature': 0.1})
    assert "unexpected keyword argument 'temprature'" in message
    assert 'from --cfg-options model.head.temprature' in message


def test_missing_tokenizer_file_names_the_path(cfg, tmp_path):
    cfg.model.target_generator = dict(type='CodebookTokenizer',
                                      codebook_file=str(tmp_path / 'codebook.pth'))
    message = exit_message(build, cfg, tmp_path)
    assert f'{tmp_path}/codebook.pth does not exist' in message
    assert 'tools/dataset_tools/fit_tokenizer.py' in message  # and how to make one


@pytest.mark.parametrize('key,value', [
    ('train_dataloader.dataset.data_root', '/nonexistent/images'),
    ('load_from', '/nonexistent/epoch_1.pth'),
    ('model.backbone.init_cfg', dict(type='Pretrained', checkpoint='/nonexistent/x.pth')),
])
def test_missing_paths_fail_before_the_model_is_built(cfg, key, value):
    cfg.merge_from_dict({key: value})
    message = exit_message(check_paths, cfg, ['train'])
    assert '/nonexistent/' in message and message.startswith(f'error: {key}')


def test_missing_ann_file_and_evaluator_file(scenes):
    cfg = Config.fromfile('tests/configs/mask-rcnn_tiny.py')
    cfg.merge_from_dict({f'{s}_dataloader.dataset.data_root': f'{scenes}/'
                         for s in ('train', 'val')})
    cfg.val_evaluator.ann_file = f'{scenes}/annotations/instances_val.json'
    check_paths(cfg, ['train', 'val'])  # all there
    cfg.val_dataloader.dataset.ann_file = 'annotations/instances_vall.json'
    message = exit_message(check_paths, cfg, ['train', 'val'])
    assert 'val_dataloader.dataset.ann_file' in message and 'instances_vall.json' in message
    cfg.val_dataloader.dataset.ann_file = 'annotations/instances_val.json'
    cfg.val_evaluator.ann_file = '/nonexistent/instances_val.json'
    assert 'val_evaluator.ann_file' in exit_message(check_paths, cfg, ['train', 'val'])


def test_train_tool_reports_in_one_line(scenes, tmp_path):
    """The wiring in tools/train.py: exit code, one line, no traceback, no training."""
    code, out = run_tool('tools/train.py', SPLITMASK, '--work-dir', str(tmp_path),
                         '--cfg-options', f'train_dataloader.dataset.data_root={scenes}/pretrain',
                         'model.neck.type=SplitMaskDecodr', check=False)
    assert code == 1 and 'Traceback' not in out and 'Epoch(train)' not in out
    assert out.rstrip().splitlines()[-1] == (
        f"error: {SPLITMASK}: unknown type 'SplitMaskDecodr' (not in the mmpretrain::model "
        "registry): check its spelling, or import the module that registers it "
        "(custom_imports)")
    code, out = run_tool('tools/train.py', SPLITMASK, '--resume', str(tmp_path / 'nope.pth'),
                         check=False)
    assert code == 1 and out.strip() == f'error: --resume {tmp_path}/nope.pth: no such checkpoint'


def test_split_mask_grid_too_small_for_blocks_fails_instead_of_hanging():
    """BEiT's block generator loops until half the patches are covered; on a 2x2 grid
    its blocks can reach one patch, so it used to spin forever inside the data loader."""
    from mmsplitmask.datasets import ComplementaryMaskGenerator
    with pytest.raises(ValueError, match="2x2 patch grid.*mode='uniform'"):
        ComplementaryMaskGenerator(input_size=2)
    ComplementaryMaskGenerator(input_size=2, mode='uniform')
    subset = ComplementaryMaskGenerator(input_size=3)({})['subset']  # smallest block grid
    assert (subset == 1).sum() == (subset == 2).sum() == 4
