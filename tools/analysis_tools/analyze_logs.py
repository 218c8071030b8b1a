"""Plot training curves of one or more runs to a PNG.

    python tools/analysis_tools/analyze_logs.py work_dirs/demo/pretrain work_dirs/other_run \
        --keys loss_mim loss_match acc_token acc_match --out curves.png

Each argument is a work dir (its newest ``*/vis_data/scalars.json``) or a
``scalars.json`` file; each key gets one panel, each run one line per panel.
"""
import argparse
import glob
import json
import os.path as osp

import matplotlib

matplotlib.use('Agg')  # files only, no display
import matplotlib.pyplot as plt  # noqa: E402


def scalars_file(path):
    if osp.isfile(path):
        return path
    found = sorted(glob.glob(osp.join(path, '*', 'vis_data', 'scalars.json')))
    if not found:
        raise SystemExit(f'error: no */vis_data/scalars.json under {path}: give a work dir '
                         'of tools/train.py or a scalars.json file')
    return found[-1]


def read_run(path):
    with open(scalars_file(path)) as f:
        return [json.loads(line) for line in f]


def plot(runs, keys, out):
    fig, axes = plt.subplots(1, len(keys), figsize=(4.5 * len(keys), 3.5), squeeze=False)
    drawn = 0
    for ax, key in zip(axes[0], keys):
        for name, records in runs.items():
            points = [(r.get('iter', r.get('step')), r[key]) for r in records if key in r]
            if points:
                ax.plot(*zip(*points), label=name)
                drawn += 1
        ax.set_title(key)
        ax.set_xlabel('iteration')
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7)
    if not drawn:
        raise SystemExit(f'error: none of the runs logged any of {keys}')
    fig.tight_layout()
    fig.savefig(out, dpi=100)
    return drawn


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('runs', nargs='+', help='work dirs or scalars.json files')
    parser.add_argument('--keys', nargs='+', default=['loss'])
    parser.add_argument('--out', default='curves.png')
    args = parser.parse_args()
    runs = {osp.basename(osp.normpath(p)): read_run(p) for p in args.runs}
    drawn = plot(runs, args.keys, args.out)
    print(f'wrote {args.out}: {len(args.keys)} panels, {drawn} curves')


if __name__ == '__main__':
    main()
