"""Does SplitMask pre-training beat random init? A controlled study at toy scale.

    python tools/study/small_scale_study.py            (all steps; finished ones are skipped)
    python tools/study/small_scale_study.py --jobs 8   (beside a GPU: 8 runs share it)

A ViT-Tiny, 3,000 updates per arm and seed: 75-95 min on 2 CPU cores (1.5-1.9 s per
update), ~7 min on an H200 with 8 jobs (docs/small_scale_study.md), so the full study
is a GPU job; --arms, --seeds and --pretrain-iters cut it down.

Steps, each resumable (a finished run is skipped, a killed one resumes):
  data      shape-only scenes (only the shape tells the class): a labelled set of
            200 train / 200 val scenes and an unlabeled pool of 1000 more
  pretrain  every arm of ARMS for every seed, through tools/train.py
  probe     the dense linear probe (tools/analysis_tools/probe.py) of every checkpoint
            and of random init, on the labelled scenes
  finetune  UperNet from the arms of FINETUNE and random init, through tools/train.py
  report    docs/small_scale_study.md: tables (mean +- std over seeds) and curves
  collect   (not by default) redo the curve summaries of every run folder, finished or not

Results are kept as JSON under --work-dir/results/, so the report can be written on
another machine from the results alone (--steps report).
"""
import argparse
import glob
import json
import os
import os.path as osp
import re
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from typing import NamedTuple

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
sys.path.insert(0, osp.join(ROOT, 'tools'))  # study.study_report
SPLITMASK = 'configs/study/splitmask_vit-tiny-p16_1xb32-3k-iters_study.py'
BEIT = 'configs/study/beit_vit-tiny-p16_1xb32-3k-iters_study.py'
MAE = 'configs/study/mae_vit-tiny-p16_1xb32-3k-iters_study.py'
SEG = 'configs/upernet/upernet_vit-tiny-p16_1xb4-2k_demo.py'
NO_LAYER_SCALE = ['model.backbone.layer_scale_init_value=0.0',
                  'model.neck.layer_scale_init_value=0.0']

# name: (config, --cfg-options, what it tests). Ordered by priority: a run cut short
# by time still has the main comparison.
ARMS = {
    'splitmask': (SPLITMASK, [], 'the study recipe'),
    'splitmask_no_layer_scale': (SPLITMASK, NO_LAYER_SCALE, 'suspect 1: layer scale'),
    'mae': (MAE, [], 'external control: mmpretrain MAE'),
    'beit': (BEIT, [], 'BEiT, same tokenizer'),
    'splitmask_demo_recipe': (SPLITMASK, NO_LAYER_SCALE + [
        'optim_wrapper.optimizer.lr=1e-3', 'train_cfg.max_iters=300',
        'param_scheduler.0.end=25', 'param_scheduler.1.begin=25', 'param_scheduler.1.end=300',
        'train_dataloader.dataset.data_root=data/study/labelled/images/train',
        'default_hooks.checkpoint.interval=100', 'custom_hooks.4.interval=100'],
        "the demo's recipe: lr 1e-3, 25 warm-up and 300 updates, no layer scale, "
        'labelled images'),
    'splitmask_lr1e-3': (SPLITMASK, ['optim_wrapper.optimizer.lr=1e-3'], 'suspect 1: lr'),
    'splitmask_lr1e-4': (SPLITMASK, ['optim_wrapper.optimizer.lr=1e-4'], 'suspect 1: lr'),
    'splitmask_inpaint_only': (SPLITMASK, ['model.head.match_loss_weight=0.0'],
                               'ablation: split + inpaint'),
    'splitmask_match_only': (SPLITMASK, ['model.head.mim_loss_weight=0.0'],
                             'ablation: split + match'),
    'splitmask_norm_targets': (SPLITMASK, ['model.target_generator.normalize_patches=True'],
                               'suspect 2: targets (per-patch normalised pixels)'),
    'splitmask_learned_pos': (SPLITMASK, ['model.backbone.pos_embed=learned'],
                              'suspect 4: learned positions'),
    'splitmask_no_layer_scale_learned_pos': (
        SPLITMASK, NO_LAYER_SCALE + ['model.backbone.pos_embed=learned'],
        'suspect 4: learned positions, no layer scale (as the full-scale recipes)'),
    'splitmask_same_images': (SPLITMASK, [
        'train_dataloader.dataset.data_root=data/study/labelled/images/train'],
        "suspect 5: the paper's protocol, pre-train on the 200 labelled images only"),
}
# UperNet fine-tunings, as ARM:LAYER_DECAY[:LR][:frozen][:learned_pos][:labelsN][:itersN] (ARM:
# an arm or a RANDOM_INITS name). Decay 0.9 is the study's, 0.75 the demo's; lr 1e-3 was tuned for
# random init (docs/demo_experiments.md). frozen: only the adapter and heads learn, so
# the rows show what the encoder's features give UperNet without fine-tuning changing
# them. learned_pos: UperNet keeps the checkpoint's learned positions (as the UperNet
# configs do); without it UperNet uses sin-cos ones and drops a learned table (as the
# Mask R-CNN configs do). labelsN: fine-tune on the first N labelled training scenes
# only (the pool stays 1,000 images), where features should matter more. itersN: N
# fine-tuning iterations instead of --seg-iters (a longer schedule, where the heads have
# converged and the encoder's start may show).
FINETUNE = ['random:0.9', 'splitmask:0.9', 'mae:0.9', 'beit:0.9',
            'splitmask_no_layer_scale:0.9',
            'splitmask_no_layer_scale_learned_pos:0.9',
            'splitmask_no_layer_scale_learned_pos:0.9:learned_pos',
            'random:0.9:frozen', 'splitmask:0.9:frozen', 'mae:0.9:frozen',
            'random:0.75', 'splitmask:0.75']
FINETUNE_LR = 1e-3
# Random-init encoders to fine-tune from besides the plain one: with the pre-trained
# encoders' layer scale 0.1, which the plain random init does not have.
RANDOM_INITS = {'random': [],
                'random_layer_scale': ['model.backbone.layer_scale_init_value=0.1']}
SEG_ITERS = 1000


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--data', default='data/study')
    parser.add_argument('--work-dir', default='work_dirs/study')
    parser.add_argument('--seeds', type=int, nargs='+', default=[0, 1, 2])
    parser.add_argument('--arms', nargs='+', default=list(ARMS), choices=list(ARMS))
    parser.add_argument('--steps', nargs='+', default=['data', 'pretrain', 'probe', 'finetune',
                                                       'report'])
    parser.add_argument('--jobs', type=int, default=1,
                        help='runs at a time (1 on 2 cores; more beside a GPU)')
    parser.add_argument('--num-pool', type=int, default=1000)
    parser.add_argument('--num-labelled', type=int, default=200)
    parser.add_argument('--pretrain-iters', type=int,
                        help="every arm's updates instead of its own (warm-up 10%%)")
    parser.add_argument('--seg-iters', type=int, default=SEG_ITERS)
    parser.add_argument('--finetune', nargs='+', default=FINETUNE,
                        help='ARM:LAYER_DECAY[:LR][:frozen][:learned_pos][:labelsN][:itersN] '
                             'fine-tunings to run (default: FINETUNE; LR '
                             f'{FINETUNE_LR:g} when left out; frozen: the encoder stays as '
                             'initialised, only adapter and heads learn; learned_pos: keep '
                             "the checkpoint's positions; labelsN: the first N labelled "
                             'training scenes only; itersN: N iterations instead of '
                             '--seg-iters)')
    parser.add_argument('--report', default='docs/small_scale_study.md')
    parser.add_argument('--report-tag', default='main',
                        help='which generated part of the report these results fill')
    args = parser.parse_args(argv)
    args.finetune = [parse_finetune(f) for f in args.finetune]
    return args


class FineTuning(NamedTuple):
    arm: str
    decay: float
    lr: float
    frozen: bool
    learned_pos: bool
    labels: int = 0  # 0: every labelled training scene
    iters: int = 0  # 0: --seg-iters

    @property
    def name(self):
        """Result name; lr and flags appear only where not the default (older results)."""
        return (f'{self.arm}_ld{self.decay}' +
                ('' if self.lr == FINETUNE_LR else f'_lr{self.lr:g}') +
                ('_frozen' if self.frozen else '') +
                ('_learned_pos' if self.learned_pos else '') +
                (f'_labels{self.labels}' if self.labels else '') +
                (f'_iters{self.iters}' if self.iters else ''))


FLAG = re.compile(r'frozen|learned_pos|(labels|iters)(\d+)')


def parse_finetune(spec):
    """'ARM:DECAY[:LR][:frozen][:learned_pos][:labelsN][:itersN]' -> FineTuning."""
    arm, decay, *rest = spec.split(':')
    flags = [m for m in map(FLAG.fullmatch, rest) if m]
    lrs = [r for r in rest if not FLAG.fullmatch(r)]
    try:
        (lr,) = [float(r) for r in lrs] or [FINETUNE_LR]
    except ValueError:
        raise SystemExit(f'--finetune {spec}: expected ARM:LAYER_DECAY[:LR] and the flags '
                         f'frozen, learned_pos, labelsN, itersN; got {lrs}') from None
    counts = {m[1]: int(m[2]) for m in flags if m[1]}
    return FineTuning(arm, float(decay), lr, 'frozen' in rest, 'learned_pos' in rest,
                      counts.get('labels', 0), counts.get('iters', 0))


def run(args, log=None):
    """Run one of this repository's tools; its output goes to ``log`` when given."""
    print('$ ' + ' '.join(args), flush=True)
    with open(log or os.devnull, 'a') as out:
        code = subprocess.run([sys.executable, *args], cwd=ROOT, stdout=out if log else None,
                              stderr=subprocess.STDOUT if log else None).returncode
    if code:
        raise RuntimeError(f'failed ({code}): {" ".join(args)}' + (f'; see {log}' if log else ''))


def save_json(path, obj):
    os.makedirs(osp.dirname(path), exist_ok=True)
    with open(path + '.tmp', 'w') as f:
        json.dump(obj, f, indent=1)
    os.replace(path + '.tmp', path)


# ------------------------------------------------------------------ steps
def make_data(args):
    for name, num_train, num_val, seed in (('labelled', args.num_labelled, args.num_labelled, 1),
                                           ('pool', args.num_pool, 0, 2)):
        out = osp.join(args.data, name)
        if osp.isfile(osp.join(ROOT, out, 'annotations', 'instances_val.json')):
            continue
        run(['tools/dataset_tools/make_demo_data.py', out, '--shape-only',
             '--num-train', str(num_train),
             '--num-val', str(num_val), '--seed', str(seed)])


def arm_options(args, arm, seed):
    config, options, _ = ARMS[arm]
    data = args.data.rstrip('/')
    options = [o.replace('data/study', data) for o in options]
    options = [f'train_dataloader.dataset.data_root={data}/pool/',
               f'custom_hooks.4.seg_root={data}/labelled'] + options
    if args.pretrain_iters:
        n = args.pretrain_iters
        options += [f'train_cfg.max_iters={n}', f'param_scheduler.0.end={max(1, n // 10)}',
                    f'param_scheduler.1.begin={max(1, n // 10)}', f'param_scheduler.1.end={n}',
                    f'default_hooks.checkpoint.interval={n}',
                    f'custom_hooks.4.interval={min(n, 500)}']
    return config, options + [f'randomness.seed={seed}']


def max_iters_of(options):
    """The arm's updates: its last train_cfg.max_iters option, else the configs' 3000."""
    values = [int(o.split('=')[1]) for o in options if o.startswith('train_cfg.max_iters=')]
    return values[-1] if values else 3000


def pretraining(args, arm, seed):
    """(config, options, work dir, final checkpoint) of one pre-training run."""
    config, options = arm_options(args, arm, seed)
    work_dir = osp.join(args.work_dir, 'pretrain', f'{arm}_seed{seed}')
    return config, options, work_dir, osp.join(work_dir, f'iter_{max_iters_of(options)}.pth')


def pretrain_one(args, arm, seed):
    config, options, work_dir, ckpt = pretraining(args, arm, seed)
    if not osp.isfile(osp.join(ROOT, ckpt)):
        start = time.time()
        os.makedirs(osp.join(ROOT, work_dir), exist_ok=True)
        try:
            run(['tools/train.py', config, '--work-dir', work_dir, '--resume', '--cfg-options',
                 *options], log=osp.join(ROOT, work_dir, 'train_stdout.log'))
        finally:  # a run cut short still leaves its curve so far
            summarise(args, arm, seed)
        print(f'{work_dir}: {time.time() - start:.0f} s', flush=True)
    summarise(args, arm, seed)
    return ckpt


def summarise(args, arm, seed):
    """results/pretrain/ARM_seedN.json: the logged curve (losses, probe) of the run so
    far, and whether it reached its last update (``--steps collect`` redoes it for every
    run folder, e.g. after the study was killed)."""
    _, options, work_dir, ckpt = pretraining(args, arm, seed)
    curve = read_scalars(osp.join(ROOT, work_dir))
    save_json(osp.join(ROOT, args.work_dir, 'results', 'pretrain', f'{arm}_seed{seed}.json'),
              dict(arm=arm, seed=seed, checkpoint=ckpt, max_iters=max_iters_of(options),
                   complete=any(r.get('step') == max_iters_of(options) for r in curve),
                   curve=curve))


def read_scalars(work_dir):
    files = sorted(glob.glob(osp.join(work_dir, '*', 'vis_data', 'scalars.json')))
    records = []
    for path in files:  # a resumed run writes a second timestamped folder
        with open(path) as f:
            records += [json.loads(line) for line in f]
    return records


def probe_one(args, arm, seed):
    out = osp.join(ROOT, args.work_dir, 'results', 'probe', f'{arm}_seed{seed}.json')
    if osp.isfile(out):
        return
    if arm == 'random':
        cmd = ['tools/analysis_tools/probe.py', SPLITMASK]
    else:
        config, options, _, ckpt = pretraining(args, arm, seed)
        cmd = ['tools/analysis_tools/probe.py', config, ckpt, *backbone_options(options)]
    log = out.replace('.json', '.log')
    os.makedirs(osp.dirname(out), exist_ok=True)
    run(cmd + ['--seg-root', osp.join(args.data, 'labelled'), '--seed', str(seed)], log=log)
    with open(log) as f:
        save_json(out, {**json.loads(f.read().strip().splitlines()[-1]), 'arm': arm})


def backbone_options(options):
    """The arm's encoder options (positions, layer scale): the probe rebuilds it."""
    keep = [o for o in options if o.startswith('model.backbone.')]
    return ['--cfg-options', *keep] if keep else []


def finetune_one(args, tuning, seed):
    arm, decay, lr, frozen, learned_pos, labels, iters = tuning
    name = f'{tuning.name}_seed{seed}'
    out = osp.join(ROOT, args.work_dir, 'results', 'finetune', f'{name}.json')
    if osp.isfile(out):
        return
    data = args.data.rstrip('/') + '/labelled/'
    work_dir = osp.join(args.work_dir, 'finetune', name)
    n = iters or args.seg_iters
    # validated (and saved, so a killed run resumes) every 200 iterations: the results
    # show how mIoU moves with the fine-tuning budget
    options = [f'{s}_dataloader.dataset.data_root={data}' for s in ('train', 'val', 'test')] + [
        f'train_cfg.max_iters={n}', f'train_cfg.val_interval={min(n, 200)}',
        f'param_scheduler.0.end={min(100, n // 2)}', f'param_scheduler.1.begin={min(100, n // 2)}',
        f'param_scheduler.1.end={n}',
        f'default_hooks.checkpoint.interval={min(n, 200)}', f'optim_wrapper.optimizer.lr={lr:g}',
        f'optim_wrapper.paramwise_cfg.layer_decay_rate={decay}']
    if frozen:  # only the pyramid adapter and the heads learn
        options.append('model.backbone.frozen=True')
    if learned_pos:
        options.append('model.backbone.pos_embed=learned')
    if labels:
        options.append(f'train_dataloader.dataset.indices={labels}')
    if arm in RANDOM_INITS:
        options += RANDOM_INITS[arm]
    else:
        config, pre_options, _, ckpt = pretraining(args, arm, seed)
        if config == MAE:  # mmpretrain's ViT layout -> ours
            converted = ckpt.replace('.pth', '_converted.pth')
            if not osp.isfile(osp.join(ROOT, converted)):
                run(['tools/model_converters/convert_vit.py', ckpt, converted,
                     '--layout', 'mmpretrain'])
            options += ['model.backbone.init_cfg.type=Pretrained',
                        f'model.backbone.init_cfg.checkpoint={converted}']
        else:
            options += ['model.backbone.init_cfg.type=Pretrained',
                        f'model.backbone.init_cfg.checkpoint={ckpt}',
                        'model.backbone.init_cfg.prefix=backbone.',
                        'model.backbone.layer_scale_init_value=' +
                        ('0.0' if NO_LAYER_SCALE[0] in pre_options else '0.1')]
    if not osp.isfile(osp.join(ROOT, work_dir, f'iter_{n}.pth')):
        os.makedirs(osp.join(ROOT, work_dir), exist_ok=True)
        run(['tools/train.py', SEG, '--work-dir', work_dir, '--resume', '--seed', str(seed),
             '--cfg-options', *options], log=osp.join(ROOT, work_dir, 'train_stdout.log'))
    validations = [r for r in read_scalars(osp.join(ROOT, work_dir)) if 'mIoU' in r]
    save_json(out, dict(arm=arm, layer_decay=decay, lr=lr, frozen=frozen,
                        learned_pos=learned_pos, labels=labels, iters=n, seed=seed,
                        miou=validations[-1]['mIoU'], acc=validations[-1].get('aAcc'),
                        curve=sorted({r['step']: r['mIoU'] for r in validations}.items())))


def chain(args, arm, seed):
    """Everything one (arm, seed) needs, in order, so a run cut short by time leaves
    complete rows: pre-train, probe, fine-tune."""
    def task():
        if arm != 'random' and 'pretrain' in args.steps:
            pretrain_one(args, arm, seed)
        if 'probe' in args.steps:
            probe_one(args, arm, seed)
        if 'finetune' in args.steps:
            for tuning in args.finetune:
                if tuning.arm == arm or (arm == 'random' and tuning.arm in RANDOM_INITS):
                    finetune_one(args, tuning, seed)
    return task


def run_all(args):
    """Random init first (cheap), then the arms in priority order, --jobs at a time;
    failures are reported after everything else has run."""
    tasks = [(f'{arm} seed {seed}', chain(args, arm, seed))
             for arm in ['random'] + args.arms for seed in args.seeds]
    with ThreadPoolExecutor(max_workers=args.jobs) as pool:
        futures = [(name, pool.submit(task)) for name, task in tasks]
    failed = [(name, f.exception()) for name, f in futures if f.exception()]
    for name, err in failed:
        print(f'FAILED {name}: {err}', flush=True)
    return failed


def main(argv=None):
    args = parse_args(argv)
    if 'data' in args.steps:
        make_data(args)
    if 'collect' in args.steps:
        for arm in args.arms:
            for seed in args.seeds:
                if osp.isdir(osp.join(ROOT, args.work_dir, 'pretrain', f'{arm}_seed{seed}')):
                    summarise(args, arm, seed)
    failed = run_all(args)
    if 'report' in args.steps:
        from study.study_report import write_report
        write_report(osp.join(ROOT, args.work_dir, 'results'), osp.join(ROOT, args.report),
                     ARMS, args.report_tag)
    if failed:
        sys.exit(f'{len(failed)} runs failed: ' + ', '.join(n for n, _ in failed))


if __name__ == '__main__':
    main()
