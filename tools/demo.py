"""The small-scale study's story on a laptop: pre-train SplitMask on unlabeled shape-only
scenes, show with the frozen dense probe that its features beat random init's, then
fine-tune Mask R-CNN and UperNet from it.

    python tools/demo.py             (what `make demo` runs)
    python tools/demo.py --compare   (also fine-tunes from random init with the same budget)

Every step goes through tools/train.py, tools/analysis_tools/probe.py and the shipped
demo configs, writes under work_dirs/demo/, and is skipped when its final checkpoint
or result exists (a killed run resumes from its last checkpoint), so running the demo
again costs seconds.
"""
import argparse
import glob
import json
import os.path as osp
import subprocess
import sys
import time

import cv2
from analysis_tools.analyze_logs import read_run
from study.study_report import mean_std

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
PRETRAIN = 'configs/splitmask/splitmask_vit-tiny-p16_1xb32-100-iters_demo.py'
DET = 'configs/mask_rcnn/mask-rcnn_vit-tiny-p16-fpn_1xb4-24e_demo.py'
SEG = 'configs/upernet/upernet_vit-tiny-p16_1xb4-2k_demo.py'
STUDY_LINE = ('At larger budgets (600-3,000 updates on 1,000 scenes, 3-5 seeds) the study finds '
              'the same on frozen features (probe 24.7 ± 0.6 against 16.5 ± 0.2), while '
              'UperNet fine-tuned from SplitMask ends within the seed noise of random init: '
              'docs/small_scale_study.md')
COMPARE_LINE = ('Fine-tuning from SplitMask against random init: one seed each, while the '
                "study's UperNet seeds spread by 2 pooled std of 3.3 mIoU after 1,000 "
                'iterations (5 seeds), so differences of a few points here cannot decide '
                'which start is better.')


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--data', default='data/demo_shape')
    parser.add_argument('--work-dir', default='work_dirs/demo')
    parser.add_argument('--num-train', type=int, default=200)
    parser.add_argument('--num-val', type=int, default=100)
    parser.add_argument('--pretrain-iters', type=int, default=100)
    parser.add_argument('--seed', type=int, default=0, help='pre-training seed')
    parser.add_argument('--probe-seeds', type=int, default=3,
                        help='probes of each encoder, seeds 0..N-1: the probe head for the '
                             'SplitMask encoder, encoder and probe head for random init')
    parser.add_argument('--det-epochs', type=int, default=2)
    parser.add_argument('--seg-iters', type=int, default=100)
    parser.add_argument('--compare', action='store_true',
                        help='also fine-tune from random init (one seed: the noise at this '
                             'budget cannot decide the comparison)')
    args = parser.parse_args()
    if args.probe_seeds < 2:
        parser.error('--probe-seeds: give 2 or more, the table shows their spread')
    return args


def run(*args):
    print('\n$ ' + ' '.join(args), flush=True)
    subprocess.run([sys.executable, *args], cwd=ROOT, check=True)


def train(config, work_dir, final_ckpt, options):
    """Train unless ``final_ckpt`` exists; resume a run that was killed. Returns seconds."""
    if osp.isfile(osp.join(ROOT, work_dir, final_ckpt)):
        print(f'{work_dir}: done before, skipped')
        return None
    start = time.time()
    run('tools/train.py', config, '--work-dir', work_dir, '--resume', '--cfg-options', *options)
    return time.time() - start


def last_metrics(work_dir):
    """The last validation record of the newest run in ``work_dir``."""
    records = read_run(osp.join(ROOT, work_dir))
    return next((r for r in reversed(records) if 'coco/bbox_mAP' in r or 'mIoU' in r), {})


def data_options(data, kind):
    """--cfg-options pointing a demo detection/segmentation config at ``data``."""
    opts = [f'{s}_dataloader.dataset.data_root={data}/' for s in ('train', 'val', 'test')]
    if kind == 'det':
        ann = f'{data}/annotations/instances_val.json'
        opts += [f'val_evaluator.ann_file={ann}', f'test_evaluator.ann_file={ann}']
    return opts


def main():
    args, start = parse_args(), time.time()
    if not osp.isfile(osp.join(ROOT, args.data, 'annotations', 'instances_val.json')):
        run('tools/dataset_tools/make_demo_data.py', args.data, '--shape-only',
            '--num-train', str(args.num_train), '--num-val', str(args.num_val))
    pre_dir, n = f'{args.work_dir}/pretrain', args.pretrain_iters
    seconds = train(PRETRAIN, pre_dir, f'iter_{n}.pth', [
        f'train_dataloader.dataset.data_root={args.data}/pretrain',
        f'train_cfg.max_iters={n}', f'param_scheduler.0.end={max(1, n // 10)}',
        f'param_scheduler.1.begin={max(1, n // 10)}', f'param_scheduler.1.end={n}',
        f'randomness.seed={args.seed}'])
    init = f'{pre_dir}/iter_{n}.pth'
    splitmask = f'SplitMask ({n} updates, the {args.num_train} training scenes unlabeled)'
    probes = {name: [probe(args.data, ckpt, f'{args.work_dir}/probe_{tag}_seed{s}.json', s)
                     for s in range(args.probe_seeds)]
              for name, tag, ckpt in ((splitmask, 'splitmask', init),
                                      ('random init', 'random', None))}

    rows, pictures = {}, []
    warmup = min(100, args.seg_iters // 2)  # UperNet's 100 updates, or half a short run
    for name, ckpt in ((splitmask, init),) + ((('random init', None),) if args.compare else ()):
        tag = 'splitmask' if ckpt else 'random'
        init_opts = ['model.backbone.init_cfg.type=Pretrained',
                     f'model.backbone.init_cfg.checkpoint={ckpt}',
                     'model.backbone.init_cfg.prefix=backbone.'] if ckpt else []
        det_dir, seg_dir = f'{args.work_dir}/det_{tag}', f'{args.work_dir}/seg_{tag}'
        train(DET, det_dir, f'epoch_{args.det_epochs}.pth', data_options(args.data, 'det') + [
            f'train_cfg.max_epochs={args.det_epochs}', f'train_cfg.val_interval={args.det_epochs}',
            f'param_scheduler.1.milestones=[{args.det_epochs - 1}]',
            f'default_hooks.checkpoint.interval={args.det_epochs}'] + init_opts)
        train(SEG, seg_dir, f'iter_{args.seg_iters}.pth', data_options(args.data, 'seg') + [
            f'train_cfg.max_iters={args.seg_iters}', f'train_cfg.val_interval={args.seg_iters}',
            f'param_scheduler.0.end={warmup}', f'param_scheduler.1.begin={warmup}',
            f'param_scheduler.1.end={args.seg_iters}',
            f'default_hooks.checkpoint.interval={args.seg_iters}'] + init_opts)
        if ckpt:
            pictures += [draw(DET, det_dir, f'epoch_{args.det_epochs}.pth', args.data, 'det'),
                         draw(SEG, seg_dir, f'iter_{args.seg_iters}.pth', args.data, 'seg')]
        det, seg = last_metrics(det_dir), last_metrics(seg_dir)
        rows[name] = (100 * det.get('coco/bbox_mAP', float('nan')),
                      100 * det.get('coco/segm_mAP', float('nan')), seg.get('mIoU', float('nan')))

    print(table(probes, rows, args.probe_seeds, args.compare))
    if seconds is not None:
        print(f'\npre-training took {seconds / 60:.1f} min')
    pictures += plot_curves(args.work_dir, args.compare)
    split_png = f'{args.work_dir}/splitmask_vis.png'
    run('tools/analysis_tools/visualize_splitmask.py', PRETRAIN, init,
        f'{args.data}/images/val/000001.jpg', '--out', split_png)
    pictures.append(split_png)
    print(f'checkpoints and logs: {args.work_dir}/{{pretrain,det_*,seg_*}}')
    print('pictures: ' + ', '.join(pictures))
    print(f'demo took {(time.time() - start) / 60:.1f} min')


def table(probes, rows, probe_seeds, compare):
    """The printed table: the probes with their spread, the fine-tunings, what the probe
    difference is in std of random init, and what the study found at larger budgets."""
    (sm, _, _), (rnd, rnd_std, _) = (mean_std(v) for v in probes.values())
    lines = [f'| backbone init | dense probe mIoU, frozen ({probe_seeds} seeds) | '
             'Mask R-CNN box AP | mask AP | UperNet mIoU |', '|---|---|---|---|---|']
    for name, values in probes.items():
        mean, std, _ = mean_std(values)
        box, mask, miou = [f'{v:.1f}' for v in rows[name]] if name in rows else ['-'] * 3
        lines.append(f'| {name} | {mean:.1f} ± {std:.1f} | {box} | {mask} | {miou} |')
    lines += ['', f'Probe: SplitMask {sm - rnd:+.1f} mIoU over random init, '
              f'{(sm - rnd) / rnd_std:.0f} times the std of random init '
              f'(std over {probe_seeds} seeds: of the probe head alone for the one pre-trained '
              'encoder, of encoder and probe head for random init).',
              COMPARE_LINE if compare else
              'Fine-tuning from random init and its comparison: python tools/demo.py --compare '
              "(one seed: this budget's noise cannot decide it).",
              STUDY_LINE]
    return '\n' + '\n'.join(lines)


def probe(data, ckpt, out, seed=0):
    """Dense probe mIoU of the demo encoder (tools/analysis_tools/probe.py; ``seed`` draws
    the probe head, and the encoder when ``ckpt`` is None), cached in ``out``."""
    if not osp.isfile(osp.join(ROOT, out)):
        cmd = [sys.executable, 'tools/analysis_tools/probe.py', PRETRAIN, *([ckpt] if ckpt else []),
               '--seg-root', data, '--seed', str(seed)]
        print('\n$ ' + ' '.join(cmd[1:]), flush=True)
        last = subprocess.run(cmd, cwd=ROOT, check=True, capture_output=True,
                              text=True).stdout.strip().splitlines()[-1]
        with open(osp.join(ROOT, out), 'w') as f:
            f.write(last)
    with open(osp.join(ROOT, out)) as f:
        return json.load(f)['dense_probe_miou']


def draw(config, work_dir, ckpt, data, kind, num_images=4):
    """Predictions on the first val images, drawn by mmdet's/mmseg's visualizer through
    tools/test.py --show-dir (boxes above score 0.5), then enlarged so that masks and
    labels of the small demo scenes can be seen. Returns the folder of pictures."""
    out = f'{work_dir}/test'
    score = ['default_hooks.visualization.score_thr=0.5'] if kind == 'det' else []
    found = glob.glob(osp.join(ROOT, out, '**', '*.[jp][pn]g'), recursive=True)
    if not found:
        run('tools/test.py', config, f'{work_dir}/{ckpt}', '--work-dir', out, '--show-dir',
            'vis', '--cfg-options', *data_options(data, kind),
            f'test_dataloader.dataset.indices={num_images}', *score)
        found = glob.glob(osp.join(ROOT, out, '**', '*.[jp][pn]g'), recursive=True)
        for path in found:
            enlarge(path)
    return osp.relpath(osp.dirname(sorted(found)[0]), ROOT) + '/'


def enlarge(path, min_height=480):
    """Scale a picture up by a whole factor (nearest pixel: no blur) to at least
    ``min_height``; the visualizers draw at the image's own size, 90-150 px here."""
    image = cv2.imread(path, cv2.IMREAD_UNCHANGED)
    factor = -(-min_height // image.shape[0])
    if factor > 1:
        cv2.imwrite(path, cv2.resize(image, None, fx=factor, fy=factor,
                                     interpolation=cv2.INTER_NEAREST))


def plot_curves(work_dir, compare):
    """Training curves of the demo runs as PNGs (tools/analysis_tools/analyze_logs.py)."""
    inits = ['splitmask', 'random'] if compare else ['splitmask']
    plots = {'pretrain_curves.png': (['pretrain'], ['loss_mim', 'loss_match', 'acc_token',
                                                    'acc_match']),
             'det_curves.png': ([f'det_{i}' for i in inits], ['loss', 'loss_mask']),
             'seg_curves.png': ([f'seg_{i}' for i in inits], ['loss', 'decode.acc_seg'])}
    for name, (runs, keys) in plots.items():
        run('tools/analysis_tools/analyze_logs.py', *[f'{work_dir}/{r}' for r in runs],
            '--keys', *keys,
            '--out', f'{work_dir}/{name}')
    return [f'{work_dir}/{name}' for name in plots]


if __name__ == '__main__':
    main()
