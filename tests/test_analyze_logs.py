"""tools/analysis_tools/analyze_logs.py draws one panel per key and one curve per run."""
import json
import os

import cv2
from conftest import run_tool


def fake_run(root, name, scale):
    folder = root / name / '20260101_000000' / 'vis_data'
    os.makedirs(folder)
    with open(folder / 'scalars.json', 'w') as f:
        for it in range(1, 21):
            f.write(json.dumps(dict(iter=it, loss_mim=scale / it, acc_match=it / 20)) + '\n')
    return str(root / name)


def test_plots_runs_to_png(tmp_path):
    runs = [fake_run(tmp_path, 'a', 9.0), fake_run(tmp_path, 'b', 7.0)]
    out = tmp_path / 'curves.png'
    _, log = run_tool('tools/analysis_tools/analyze_logs.py', *runs, '--keys', 'loss_mim',
                      'acc_match', '--out', str(out))
    assert '2 panels, 4 curves' in log
    image = cv2.imread(str(out))
    assert image.shape[1] > image.shape[0] > 200  # two panels side by side
    code, log = run_tool('tools/analysis_tools/analyze_logs.py', str(tmp_path / 'nothing'),
                         check=False)
    assert code != 0 and 'no */vis_data/scalars.json' in log
