"""Pre-training, probes and the benchmarks need neither mmcv's compiled ops nor mmdet's
or mmseg's models: they run where those cannot be imported (tests/no_compiled_ops: the
tools, and every process they start, find no ``mmcv._ext``, ``mmcv.ops``,
``mmdet.models`` or ``mmseg.models``, as with an mmcv built without ops). Detection
and segmentation pieces are registered, and mmdet's datasets checked, when their
toolbox is used.

A finder rather than a second environment with mmcv built with MMCV_WITH_OPS=0: no
sdist, build or network in the tests, and the same boundary (such a build lacks
exactly ``mmcv._ext``). Run once by hand in a venv with that build over this stack,
gpu_check and the probe gave the same statuses and losses as here."""
import sys

from benchmarks.gpu_check import last_json
from conftest import run_tool
from no_compiled_ops import ENV as NO_OPS

from mmsplitmask.deferred import when_imported

IMPORT = '''import importlib, json, sys
import mmsplitmask
from mmdet.registry import MODELS as DET
from mmseg.registry import MODELS as SEG, TRANSFORMS as SEG_TRANSFORMS
loaded = sorted(m for m in sys.modules if m.startswith(
    ('mmcv.ops', 'mmdet.models', 'mmdet.datasets', 'mmseg.models', 'mmseg.datasets')))
importable = {}
for name in ('mmcv.ops', 'mmdet.models', 'mmseg.models'):
    try:
        importlib.import_module(name)
        importable[name] = True
    except ImportError:
        importable[name] = False
print(json.dumps(dict(loaded=loaded, importable=importable,
                      det='SplitMaskViT' in DET.module_dict,
                      seg='SplitMaskViT' in SEG.module_dict,
                      seg_transform='CheckSegLabels' in SEG_TRANSFORMS.module_dict)))
'''


def test_import_needs_no_compiled_ops_and_registers_everywhere():
    _, out = run_tool(sys.executable, '-c', IMPORT, env=NO_OPS)
    result = last_json(out)
    assert result['importable'] == {'mmcv.ops': False, 'mmdet.models': False,
                                    'mmseg.models': False}  # the environment works
    assert result['loaded'] == []
    assert result['det'] and result['seg'] and result['seg_transform']


def test_deferred_code_runs_when_the_module_is_imported(tmp_path, monkeypatch):
    (tmp_path / 'later_pkg').mkdir()
    (tmp_path / 'later_pkg' / '__init__.py').write_text('')
    (tmp_path / 'later_pkg' / 'mod.py').write_text('value = 1\n')
    (tmp_path / 'now_mod.py').write_text('value = 2\n')
    monkeypatch.syspath_prepend(str(tmp_path))
    seen = []
    import now_mod
    when_imported('now_mod', lambda m: seen.append(('now', m.value)))  # already imported
    when_imported('later_pkg.mod', lambda m: seen.append(('later', m.value)))
    assert seen == [('now', 2)] and 'later_pkg.mod' not in sys.modules
    import later_pkg.mod  # noqa: F401
    assert seen == [('now', 2), ('later', 1)]
    assert now_mod.value == 2
    for name in ('now_mod', 'later_pkg', 'later_pkg.mod'):
        monkeypatch.delitem(sys.modules, name)


def test_coco_annotation_checks_are_in_place_once_mmdet_datasets_are_imported():
    from mmdet.datasets import CocoDataset
    assert CocoDataset.load_data_list.__name__ == 'load_data_list_checked'


def test_pretraining_data_benchmark_and_probe_without_compiled_ops(tmp_path):
    """gpu_check at small sizes: pre-training through tools/train.py (interrupted and
    resumed) and the data benchmark run; the ops check fails and says why, Mask R-CNN
    is skipped, UperNet (mmseg's models) fails with its whole log kept. Then the probe
    on the pre-trained checkpoint."""
    work = tmp_path / 'check'
    code, out = run_tool('tools/benchmarks/gpu_check.py', '--steps',
                         'mmcv_ops,pretrain,upernet,maskrcnn,data_pipeline', '--sizes', 'small',
                         '--device', 'cpu', '--work-dir', str(work), env=NO_OPS, check=False)
    assert code == 1, out[-3000:]
    steps = {s['name']: s for s in last_json(out)['steps']}
    assert steps['pretrain']['status'] == 'ok' and steps['pretrain']['losses_falling']
    assert steps['data_pipeline']['status'] == 'ok'
    assert steps['mmcv_ops']['status'] == 'failed'
    assert "No module named 'mmcv.ops'" in steps['mmcv_ops']['ops_import']
    assert steps['maskrcnn']['status'] == 'skipped' and 'RoIAlign' in steps['maskrcnn']['reason']
    upernet = steps['upernet']
    assert upernet['status'] == 'failed' and 'logs/upernet.log' in upernet['error']
    log = (work / upernet['logs'][0]).read_text()
    assert 'Traceback' in log and len(log.splitlines()) > 40  # more than the printed tail
    _, out = run_tool('tools/analysis_tools/probe.py', str(work / 'pretrain_config.py'),
                      str(work / 'pretrain' / 'epoch_5.pth'), '--seg-root',
                      str(work / 'scenes'), '--device', 'cpu', env=NO_OPS)
    assert 0 <= last_json(out)['dense_probe_miou'] <= 100


def test_ops_check_says_what_is_missing():
    code, out = run_tool('tools/benchmarks/mmcv_ops_check.py', env=NO_OPS, check=False)
    result = last_json(out)
    assert code == 1 and result['ok'] is False
    assert result['ops_import'] == "ModuleNotFoundError: No module named 'mmcv.ops'"
