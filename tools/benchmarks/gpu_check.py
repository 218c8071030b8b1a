"""Check the GPU path on a fresh node, after the install, in one short attempt.

    python tools/benchmarks/gpu_check.py --sizes full --work-dir work_dirs/gpu_check
    python tools/benchmarks/gpu_check.py --steps mmcv_ops,benchmark_eager --sizes small
    python tools/benchmarks/gpu_check.py --sizes small --device cpu  # what a CPU can (tested)

Steps, in order (``--steps`` picks some); each runs its tools in their own processes
within a time budget, and a step that fails or runs out of time is reported while the
others still run:

1. ``mmcv_ops``: tools/benchmarks/mmcv_ops_check.py: ``import mmcv.ops``, one RoIAlign
   and one nms on the CPU and on CUDA (skipped, and said so, without a GPU) against
   torchvision's.
2. ``benchmark_eager``, ``benchmark_compile``: tools/benchmarks/benchmark_pretrain.py,
   SplitMask vs mmpretrain's BEiT under bf16 autocast, without and with torch.compile
   (CUDA only), in alternating rounds: img/s, MFU against the measured bf16 GEMM peak
   and the spec sheet's peak, peak memory, SplitMask/BEiT time per image per round.
3. ``pretrain``: SplitMask pre-training through tools/train.py (--amp on CUDA) with the
   ViT-B ADE20K config's model on generated images, interrupted and resumed: the
   resumed run must continue at the next iteration, the losses be finite and fall.
4. ``upernet``: UperNet fine-tuning (--amp) from that checkpoint on generated scenes;
   ``maskrcnn``: one Mask R-CNN iteration (--amp) where mmcv's RoIAlign runs on the
   device, else skipped with the reason.
5. ``data_pipeline``: tools/benchmarks/benchmark_data.py, every core a worker, all at
   once: the pre-training pipeline's images/s against the GPU step's.

``--sizes full`` is the GPU check (ViT-B/16, batch 128); ``small`` runs the same steps
at ViT-Tiny sizes (128 px crops) in seconds per step. Everything stays in
``--work-dir``: one log per tool run under ``logs/`` (a failed step's full log is
there, its path in the JSON), and ``gpu_check.json``, rewritten after every step, so
that a run killed midway keeps what finished. The last line printed is the same JSON
object: device, versions, each step (status ok / failed / skipped, error or reason,
seconds, figures, logs) and the goals of the GPU issue, each with value, target,
value / target and whether it is met (None when the run cannot decide it). The exit
code is 1 if a step failed.
"""
import argparse
import contextlib
import glob
import json
import logging
import math
import os
import os.path as osp
import platform
import runpy
import shutil
import signal
import statistics
import sys
import time
import traceback
import warnings

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
sys.path.insert(0, ROOT)
sys.path.insert(0, osp.join(ROOT, 'tools'))

from analysis_tools.analyze_logs import read_run  # noqa: E402

PRETRAIN = 'configs/splitmask/splitmask_vit-base-p16_16xb128-amp-coslr-21000e_ade20k.py'
UPERNET = 'configs/upernet/upernet_vit-base-p16-splitmask-ade20k-pre_8xb2-160k_ade20k-512x512.py'
MASK_RCNN = 'configs/mask_rcnn/mask-rcnn_vit-base-p16-fpn-splitmask-coco-pre_8xb2-amp-1x_coco.py'
# The GPU issue's goals: ViT-B/16 SplitMask, bf16, one GPU: MFU >= 45% of the measured
# bf16 GEMM peak; time per image <= 1.35x BEiT's (their FLOP ratio), decided on the
# median of at least MIN_ROUNDS alternating rounds; the pipeline feeds the GPU step.
MFU_GOAL, TIME_RATIO_GOAL, MIN_ROUNDS = 0.45, 1.35, 3
STEPS = ['mmcv_ops', 'benchmark_eager', 'benchmark_compile', 'pretrain', 'upernet',
         'maskrcnn', 'data_pipeline']
# Budget per step, seconds, for one H200 (465 in all, compilation from an empty cache
# included): estimates, not yet checked on one; --budget-scale multiplies them. On CPU
# they are 3x: on 2 shared cores the tools' imports alone take ~9 s per interpreter.
BUDGET = dict(mmcv_ops=30, benchmark_eager=75, benchmark_compile=150, pretrain=80,
              upernet=50, maskrcnn=40, data_pipeline=40)
CPU_BUDGET_SCALE = 3
CORES = len(os.sched_getaffinity(0)) if hasattr(os, 'sched_getaffinity') else os.cpu_count()
# ViT arch, benchmark arguments, training batch, iterations per pre-training epoch (3
# epochs, then resumed to 5), fine-tuning iterations, scenes (number, size range),
# data-loader workers (None: the config's), pipeline benchmark arguments, pre-training lr.
SIZES = {
    'full': dict(arch='base', bench=['--batch-size', '128', '--iters', '10', '--warmup', '3'],
                 batch=64, epoch_iters=20, upernet_iters=50, scenes=(32, (256, 512)),
                 workers=None, data=['--images', '200'], lr=2.5e-4),
    'small': dict(arch='tiny', bench=['--batch-size', '2', '--iters', '1', '--warmup', '1'],
                  batch=2, epoch_iters=2, upernet_iters=2, scenes=(2, (96, 128)),
                  workers=0, data=['--images', '10', '--num-files', '2', '--size', '160', '120'],
                  lr=1e-3),
}
# Small sizes: each config's model at ViT-Tiny sizes, and its crops at 128 px (pre-training:
# the 64 px target copy and the 8x8 mask grid with them; Mask R-CNN: 64 channels after
# the backbone and 64 sampled RoIs, as mmcv's RoIAlign backward is slow on CPU).
TINY = {
    'pretrain': {'model.backbone.arch': 'tiny', 'model.backbone.img_size': 128,
                 'model.neck.embed_dims': 192, 'model.neck.num_heads': 3,
                 'model.head.embed_dims': 192,
                 'train_dataloader.dataset.pipeline.2.size': 128,
                 'train_dataloader.dataset.pipeline.2.second_size': 64,
                 'train_dataloader.dataset.pipeline.3.input_size': 8},
    'upernet': {'model.backbone.arch': 'tiny', 'model.backbone.img_size': 128,
                'model.data_preprocessor.size': (128, 128),
                'model.decode_head.in_channels': [192] * 4, 'model.decode_head.channels': 64,
                'model.auxiliary_head.in_channels': 192, 'model.auxiliary_head.channels': 32,
                'train_dataloader.dataset.pipeline.3.scale': (256, 128),
                'train_dataloader.dataset.pipeline.4.crop_size': (128, 128)},
    'maskrcnn': {'model.backbone.arch': 'tiny', 'model.backbone.img_size': 128,
                 'model.neck.in_channels': [192] * 4, 'model.train_cfg.rcnn.sampler.num': 64,
                 'train_dataloader.dataset.pipeline.3.scales': [(192, 128)],
                 **{f'model.{key}': 64 for key in (
                     'neck.out_channels', 'rpn_head.in_channels', 'rpn_head.feat_channels',
                     'roi_head.bbox_roi_extractor.out_channels', 'roi_head.bbox_head.in_channels',
                     'roi_head.mask_roi_extractor.out_channels', 'roi_head.mask_head.in_channels',
                     'roi_head.mask_head.conv_out_channels')}},
}
# Runs here are short and validation is not what is checked: no val loop, only the
# checkpoints asked for, every iteration logged as it is (no smoothing window).
NO_VAL = {'val_cfg': None, 'val_dataloader': None, 'val_evaluator': None}
LOG_EVERY_ITER = {'default_hooks.logger.interval': 1, 'log_processor.window_size': 1}


class Skip(Exception):
    """A step that cannot run here, with the reason."""


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--steps', default=','.join(STEPS),
                        help=f'comma-separated steps to run, in their order (default all: '
                        f'{",".join(STEPS)})')
    parser.add_argument('--sizes', choices=list(SIZES), default='full',
                        help='full: the GPU check (ViT-B, batch 128); small: ViT-Tiny, 128 px')
    parser.add_argument('--device', choices=['auto', 'cuda', 'cpu'], default='auto',
                        help='auto: cuda when available')
    parser.add_argument('--work-dir', default=osp.join(ROOT, 'work_dirs', 'gpu_check'),
                        help='configs, data, logs, checkpoints and gpu_check.json; kept')
    parser.add_argument('--out', help='also copy the JSON object to this file')
    parser.add_argument('--batch-size', type=int, help='benchmark batch (full: 128)')
    parser.add_argument('--rounds', type=int, default=MIN_ROUNDS,
                        help=f'alternating benchmark rounds (the ratio goal needs '
                        f'>= {MIN_ROUNDS})')
    parser.add_argument('--budget-scale', type=float, default=1.0,
                        help='multiply every step\'s time budget (slower GPUs)')
    args = parser.parse_args(argv)
    args.steps = [s.strip() for s in args.steps.split(',') if s.strip()]
    unknown = [s for s in args.steps if s not in STEPS]
    if unknown:
        parser.error(f'unknown step(s) {unknown}; the steps are {",".join(STEPS)}')
    return args


def last_line(text):
    lines = [ln for ln in text.strip().splitlines() if ln.strip()]
    return lines[-1].strip() if lines else ''


def last_json(text):
    """The last line of a tool's output that is a JSON object."""
    for line in reversed(text.strip().splitlines()):
        if line.startswith('{'):
            return json.loads(line)
    raise RuntimeError(f'no JSON line in the output: {last_line(text)}')


def loss_figures(recs, problems, what):
    """First and last losses (means of up to 20 logged values each), whether all are
    finite (a problem noted if not), median s/iter and the CUDA peak when logged."""
    losses = [r['loss'] for r in recs if 'loss' in r]
    if not losses:
        problems.append(f'{what}: no loss logged')
        return {}
    n = max(1, min(20, len(losses) // 2))
    first, last = statistics.fmean(losses[:n]), statistics.fmean(losses[-n:])
    finite = all(math.isfinite(v) for v in losses)
    if not finite:
        problems.append(f'{what}: non-finite losses')
    out = dict(loss_first=round(first, 4), loss_last=round(last, 4), losses_finite=finite,
               logged_losses=len(losses))
    times = [r['time'] for r in recs if 'time' in r]
    if times:
        out['s_per_iter'] = round(statistics.median(times), 4)
    memory = [r['memory'] for r in recs if 'memory' in r]  # MiB, CUDA only
    if memory:
        out['peak_memory_gib'] = round(max(memory) / 1024, 3)
    return out


def run_tool(args, deadline, log_path, fork=False):
    """Run ``python args`` (a script under the repository root, or an absolute path) in
    its own process group with its output in ``log_path``; return its exit code, or None
    when ``deadline`` (time.perf_counter) passed and it was killed with its children.
    On the GPU every tool is a fresh interpreter, as a person runs it. ``fork`` (the
    CPU) runs it in a fork of this process instead, which has the stack imported
    already: an interpreter start imports it in ~9 s of CPU on 2 cores, 6 times here."""
    argv = [osp.join(ROOT, str(args[0])), *map(str, args[1:])]
    sys.stdout.flush()
    sys.stderr.flush()
    fd = os.open(log_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    if fork:
        pid = os.fork()
        if pid == 0:
            _run_forked(argv, fd)
        with contextlib.suppress(OSError):  # as the child does: no window without a group
            os.setpgid(pid, pid)
    else:
        pid = os.posix_spawn(sys.executable, [sys.executable, *argv], os.environ, setpgroup=0,
                             file_actions=[(os.POSIX_SPAWN_DUP2, fd, 1),
                                           (os.POSIX_SPAWN_DUP2, fd, 2)])
    os.close(fd)
    try:
        while True:
            done, status = os.waitpid(pid, os.WNOHANG)
            if done:
                return os.waitstatus_to_exitcode(status)
            if time.perf_counter() > deadline:
                os.killpg(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
                return None
            time.sleep(0.1)
    except KeyboardInterrupt:  # its own group does not get the terminal's Ctrl-C
        with contextlib.suppress(OSError):
            os.killpg(pid, signal.SIGKILL)
        raise


def _run_forked(argv, fd):
    """The forked child: run the script as __main__, exit with its exit code."""
    code = 1
    try:
        os.setpgid(0, 0)
        os.dup2(fd, 1)
        os.dup2(fd, 2)
        # fresh file objects on fds 1 and 2 (this process's may write elsewhere, e.g.
        # under pytest's capture)
        sys.stdout = open(1, 'w', buffering=1, closefd=False)
        sys.stderr = open(2, 'w', buffering=1, closefd=False)
        sys.argv = argv
        runpy.run_path(argv[0], run_name='__main__')
        code = 0
    except SystemExit as exit_:  # sys.exit('error: ...') prints its message, exit code 1
        if isinstance(exit_.code, str):
            print(exit_.code, file=sys.stderr)
        code = exit_.code if isinstance(exit_.code, int) else int(exit_.code is not None)
    except BaseException:
        traceback.print_exc()
    finally:
        logging.shutdown()
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)


class Check:
    def __init__(self, args, work, device):
        self.args, self.work, self.device = args, work, device
        self.gpu = device == 'cuda'
        self.size = dict(SIZES[args.sizes])
        if args.batch_size:
            self.size['bench'] = ['--batch-size', str(args.batch_size), *self.size['bench'][2:]]
        self.steps = {}
        self.checkpoint = None  # pre-training's final checkpoint, for fine-tuning
        self._scenes = None
        self._logs = []

    # -- running ------------------------------------------------------------------------
    def step(self, name, fn):
        """Run one step within its budget; record status, error, seconds, figures and
        the logs of its tools."""
        budget = BUDGET[name] * self.args.budget_scale * (1 if self.gpu else CPU_BUDGET_SCALE)
        print(f'\n[{len(self.steps) + 1}/{len(self.args.steps)}] {name} (budget {budget:.0f} s)',
              flush=True)
        start = time.perf_counter()
        record = dict(status='ok')
        self._logs = []
        try:
            figures = fn(start + budget)
            problems = figures.pop('problems', [])
            record.update(figures)
            if problems:
                record.update(status='failed', error='; '.join(problems))
        except Skip as why:
            record.update(status='skipped', reason=str(why))
        except Exception as err:  # a failed step is reported; the others still run
            record.update(status='failed', error=f'{type(err).__name__}: {err}')
        record.update(seconds=round(time.perf_counter() - start, 1), budget_s=round(budget),
                      logs=[osp.relpath(p, self.work) for p in self._logs])
        self.steps[name] = record
        print(f'{name}: {json.dumps(record)}', flush=True)

    def run(self, args, deadline, log_name, verdict=False):
        """``python args`` within the step's budget, its output to a log in the work dir;
        raises with the log's last line if it fails or runs out of time (the whole log
        stays on disk). ``verdict``: a tool whose last line is a JSON verdict may exit 1
        with it."""
        print('$ python ' + ' '.join(map(str, args)), flush=True)
        log_path = osp.join(self.work, 'logs', log_name)
        os.makedirs(osp.dirname(log_path), exist_ok=True)
        self._logs.append(log_path)
        code = run_tool(args, deadline, log_path, fork=not self.gpu)
        with open(log_path) as f:
            output = f.read()
        if code == 1 and verdict and last_line(output).startswith('{'):
            return output
        if code != 0:
            print(f'  | full log: {log_path}\n  | ' +
                  '\n  | '.join(output.strip().splitlines()[-40:]), flush=True)
            if code is None:
                raise TimeoutError(f'{args[0]} ran out of the step\'s budget (log {log_path})')
            raise RuntimeError(f'{args[0]} exit code {code}: {last_line(output)} '
                               f'(log {log_path})')
        return output

    def config(self, config, changes, name):
        """``config`` with ``changes`` merged (keys as --cfg-options takes them), written
        to the work dir. Small sizes: ViT-Tiny. On CPU: a plain optimizer wrapper
        (mmengine's AmpOptimWrapper refuses to be built without a GPU)."""
        from mmengine.config import Config
        cfg = Config.fromfile(osp.join(ROOT, config))
        cfg.merge_from_dict(changes)
        if self.args.sizes == 'small':
            cfg.merge_from_dict(TINY[name])
        if not self.gpu:
            if cfg.optim_wrapper.type == 'AmpOptimWrapper':
                cfg.optim_wrapper.type = 'OptimWrapper'
                for key in ('dtype', 'loss_scale'):
                    cfg.optim_wrapper.pop(key, None)
        path = osp.join(self.work, f'{name}_config.py')
        cfg.dump(path)
        return path

    def train(self, config, work_dir, deadline, log_name, *extra):
        amp = ['--amp'] if self.gpu else []
        return self.run(['tools/train.py', config, '--work-dir', work_dir, *amp, *extra],
                        deadline, log_name)

    def scenes(self):
        """Generated scenes (images, semantic masks, COCO instances), made once."""
        if self._scenes is None:
            from mmsplitmask.datasets.synthetic import make_dataset
            num, size_range = self.size['scenes']
            self._scenes = make_dataset(osp.join(self.work, 'scenes'), num_train=num,
                                        num_val=1, size_range=size_range, seed=0)
        return self._scenes

    def loader(self, **dataset):
        """Training data options: the dataset's, and the small sizes' worker count."""
        workers = self.size['workers']
        opts = {f'train_dataloader.dataset.{k}': v for k, v in dataset.items()}
        if workers is not None:
            opts.update({'train_dataloader.num_workers': workers,
                         'train_dataloader.persistent_workers': workers > 0})
        return opts

    # -- steps --------------------------------------------------------------------------
    def mmcv_ops(self, deadline):
        output = self.run(['tools/benchmarks/mmcv_ops_check.py'], deadline, 'mmcv_ops.log',
                          verdict=True)
        result = last_json(output)
        figures = {k: result[k] for k in ('mmcv', 'ops_import', 'cpu_calls', 'cuda_calls')
                   if k in result}
        if not result['ok']:
            figures['problems'] = [f'mmcv ops: {json.dumps(figures)}']
        return figures

    def benchmark(self, compiled):
        def fn(deadline):
            if compiled and not self.gpu:
                raise Skip('CUDA only: torch.compile takes minutes on a CPU')
            output = self.run(['tools/benchmarks/benchmark_pretrain.py', '--device', self.device,
                               '--arch', self.size['arch'], *self.size['bench'],
                               '--rounds', self.args.rounds,
                               *(['--compile'] if compiled else [])],
                              deadline, f'benchmark_{"compile" if compiled else "eager"}.log')
            result = last_json(output)
            keys = ['device_name', 'peak_gflops', 'spec_peak_tflops', 'batch_size', 'rounds',
                    'flop_ratio', 'time_per_img_ratio', 'time_per_img_ratio_rounds']
            for algo in ('splitmask', 'beit'):
                keys += [f'{algo}_{k}' for k in ('img_per_s', 'img_per_s_rounds', 'mfu',
                                                 'mfu_spec', 'peak_mem_gib', 'gflop_per_img',
                                                 'warmup_s')]
            return {k: result[k] for k in keys}
        return fn

    def pretrain(self, deadline):
        size, problems = self.size, []
        # Enough files for an epoch of distinct names: copies of the generated scenes.
        scenes = sorted(glob.glob(osp.join(self.scenes(), 'images', 'train', '*.jpg')))
        images = osp.join(self.work, 'pretrain_images')
        os.makedirs(images, exist_ok=True)
        for i in range(size['epoch_iters'] * size['batch']):
            shutil.copyfile(scenes[i % len(scenes)], osp.join(images, f'{i:06d}.jpg'))
        first, total = 3 * size['epoch_iters'], 5 * size['epoch_iters']
        config = self.config(PRETRAIN, {
            **self.loader(data_root=images),
            'train_dataloader.batch_size': size['batch'],
            'train_cfg.max_epochs': 5,
            # A fixed lr after a one-epoch warm-up: the recipe's schedule (625 warm-up
            # epochs, lr scaled to the batch) would barely move the weights in 100 steps.
            'auto_scale_lr.enable': False,
            'optim_wrapper.optimizer.lr': size['lr'],
            'param_scheduler': [dict(type='LinearLR', start_factor=0.01, by_epoch=False,
                                     begin=0, end=size['epoch_iters'])],
            'default_hooks.checkpoint.interval': 3,
            **LOG_EVERY_ITER}, 'pretrain')
        work_dir = osp.join(self.work, 'pretrain')
        # an interrupted run: 3 of the 5 epochs, then --resume from its checkpoint
        self.train(config, work_dir, deadline, 'pretrain.log',
                   '--cfg-options', 'train_cfg.max_epochs=3')
        before = read_run(work_dir)
        self.train(config, work_dir, deadline, 'pretrain_resume.log', '--resume')
        after = read_run(work_dir)
        steps_before = [r['step'] for r in before if 'loss' in r]
        steps_after = [r['step'] for r in after if 'loss' in r]
        if steps_before[:1] != [1] or steps_before[-1:] != [first] or steps_after[:1] != [first + 1] or \
                steps_after[-1:] != [total]:
            problems.append(f'iterations {steps_before[:1]}..{steps_before[-1:]} then '
                            f'{steps_after[:1]}..{steps_after[-1:]}, expected 1..{first} '
                            f'then {first + 1}..{total}')
        checkpoint = osp.join(work_dir, 'epoch_5.pth')
        if osp.isfile(checkpoint):
            self.checkpoint = checkpoint
        else:
            problems.append('no epoch_5.pth')
        out = dict(iters=len(steps_before) + len(steps_after),
                   resumed_at=steps_after[0] if steps_after else None,
                   **loss_figures(before + after, problems, 'pre-training'))
        out['losses_falling'] = 'loss_first' in out and out['loss_last'] < out['loss_first']
        if not out['losses_falling']:
            problems.append(f'losses not falling: {out.get("loss_first")} -> '
                            f'{out.get("loss_last")}')
        if 's_per_iter' in out:  # the training loop's, data loading included
            out['train_img_per_s'] = round(size['batch'] / out['s_per_iter'], 1)
        return dict(out, problems=problems)

    def init_from_checkpoint(self):
        """Backbone init options: pre-training's checkpoint, else random (and said)."""
        if self.checkpoint:
            return {'model.backbone.init_cfg.checkpoint': self.checkpoint}, 'pre-training'
        return {'model.backbone.init_cfg': None}, 'random (no pre-training checkpoint)'

    def finetune(self, name, config, changes, iters, deadline):
        init, init_name = self.init_from_checkpoint()
        path = self.config(config, {**changes, **init, **NO_VAL, **LOG_EVERY_ITER,
                                    'default_hooks.checkpoint': None}, name)
        work_dir = osp.join(self.work, name)
        output = self.train(path, work_dir, deadline, f'{name}.log')
        problems = []
        recs = [r for r in read_run(work_dir) if 'loss' in r]
        if len(recs) != iters:
            problems.append(f'{len(recs)} iterations logged, expected {iters}')
        if self.checkpoint and ' tensors into SplitMaskViT from ' not in output:
            problems.append('the pre-training checkpoint was not loaded')
        return dict(iters=len(recs), init=init_name,
                    **loss_figures(recs, problems, name), problems=problems)

    def upernet(self, deadline):
        iters = self.size['upernet_iters']
        return self.finetune('upernet', UPERNET, {
            **self.loader(data_root=self.scenes(),
                          data_prefix=dict(img_path='images/train', seg_map_path='seg/train')),
            'train_cfg.max_iters': iters}, iters, deadline)

    def maskrcnn(self, deadline):
        why = roi_align_error(self.device)
        if why:
            raise Skip(f"mmcv's RoIAlign does not run on {self.device}: {why}")
        from mmsplitmask.datasets.synthetic import CLASSES
        return self.finetune('maskrcnn', MASK_RCNN, {
            # one batch of 2 scenes: one iteration
            **self.loader(data_root=self.scenes(), ann_file='annotations/instances_train.json',
                          data_prefix=dict(img='images/train/'),
                          metainfo=dict(classes=CLASSES), indices=2),
            'train_dataloader.batch_size': 2, 'train_cfg.max_epochs': 1}, 1, deadline)

    def data_pipeline(self, deadline):
        workers = CORES if self.gpu else 1
        output = self.run(['tools/benchmarks/benchmark_data.py', '--config', PRETRAIN,
                           '--workers', workers, *self.size['data']], deadline,
                          'data_pipeline.log')
        result = last_json(output)['results'][0]
        out = dict(workers=workers, pipeline_img_per_s=result['total_img_per_s'],
                   img_per_s_per_worker=result['img_per_s_per_worker'])
        gpu = [s['splitmask_img_per_s'] for n, s in self.steps.items()
               if n.startswith('benchmark') and s['status'] == 'ok']
        if gpu:  # the faster of eager and compiled
            out['gpu_step_img_per_s'] = max(gpu)
            out['pipeline_to_gpu_ratio'] = round(out['pipeline_img_per_s'] / max(gpu), 3)
        return out


def roi_align_error(device):
    """None if mmcv's compiled RoIAlign runs on ``device``, else why not."""
    try:
        import torch
        from mmcv.ops import RoIAlign
        feats = torch.rand(1, 2, 8, 8, device=device)
        rois = torch.tensor([[0, 0, 0, 4, 4]], dtype=torch.float32, device=device)
        RoIAlign((2, 2), 1.0)(feats, rois)
        return None
    except Exception as err:  # ImportError (mmcv without ops), no kernel for the device
        return f'{type(err).__name__}: {err}'


def decoder_state_gib(arch):
    """GiB of SplitMask's decoder's fp32 weights, gradients and AdamW moments (16 bytes
    a parameter): what the memory goal allows SplitMask over BEiT."""
    import mmsplitmask  # noqa: F401  (registers the decoder)
    from mmengine.config import Config
    from mmengine.registry import DefaultScope
    from mmpretrain.registry import MODELS
    cfg = Config.fromfile(osp.join(ROOT, f'configs/_base_/models/splitmask_vit-{arch}-p16.py'))
    with DefaultScope.overwrite_default_scope('mmpretrain'):
        neck = MODELS.build(cfg.model.neck)
    return sum(p.numel() for p in neck.parameters()) * 16 / 2**30


def goal(name, variant, value, target, at_least, undecided=None, **figures):
    """One goal's record: value, target, value / target and met (None, with the reason,
    when ``undecided`` says why the run cannot decide it)."""
    known = value is not None and target is not None and math.isfinite(value) and \
        math.isfinite(target) and target > 0
    met = None
    if known and undecided is None:
        met = value >= target if at_least else value <= target
    record = dict(goal=name, variant=variant, value=value if value is None else round(value, 4),
                  target=target if target is None else round(target, 4),
                  ratio=round(value / target, 3) if known else None, met=met, **figures)
    if undecided is not None:
        record['undecided'] = undecided
    return record


def goals(steps, decoder_gib):
    """The GPU issue's goals, per benchmark variant (and #13's memory goal). The time
    ratio is decided on the median of the per-round ratios, and only over at least
    MIN_ROUNDS rounds."""
    found = []
    for variant in ('eager', 'compile'):
        bench = steps.get(f'benchmark_{variant}', {})
        if bench.get('status') != 'ok':
            continue
        found.append(goal('SplitMask MFU >= 45% of the measured bf16 GEMM peak', variant,
                          bench['splitmask_mfu'], MFU_GOAL, True,
                          mfu_of_spec_peak=bench.get('splitmask_mfu_spec'),
                          spec_peak_tflops=bench.get('spec_peak_tflops')))
        rounds = bench.get('time_per_img_ratio_rounds') or []
        found.append(goal(
            "SplitMask time per image <= 1.35 x BEiT's (median of per-round ratios)", variant,
            bench['time_per_img_ratio'], TIME_RATIO_GOAL, False,
            undecided=(f'{len(rounds)} round(s), the goal needs >= {MIN_ROUNDS}'
                       if len(rounds) < MIN_ROUNDS else None),
            rounds=rounds, rounds_met=sum(r <= TIME_RATIO_GOAL for r in rounds)))
        found.append(goal(
            "SplitMask peak memory <= BEiT's + the decoder's weights, gradients and AdamW "
            'state (GiB)', variant, bench['splitmask_peak_mem_gib'],
            bench['beit_peak_mem_gib'] + decoder_gib, False))
    data = steps.get('data_pipeline', {})
    if data.get('status') == 'ok':
        found.append(goal(
            'data pipeline img/s (all cores at once) >= GPU step img/s',
            f'workers={data["workers"]}', data['pipeline_img_per_s'],
            data.get('gpu_step_img_per_s'), True,
            undecided=None if 'gpu_step_img_per_s' in data else 'no benchmark step ran'))
    return found


def environment(device):
    import mmcv
    import mmdet
    import mmengine
    import mmpretrain
    import mmseg
    import torch
    env = dict(device=device, torch=torch.__version__, mmcv=mmcv.__version__,
               mmengine=mmengine.__version__, mmpretrain=mmpretrain.__version__,
               mmdet=mmdet.__version__, mmseg=mmseg.__version__,
               python=platform.python_version(), cpu_cores=CORES)
    if device == 'cuda':
        props = torch.cuda.get_device_properties(0)
        env.update(device_name=props.name, gpu_memory_gib=round(props.total_memory / 2**30, 1),
                   cuda=torch.version.cuda)
    env['cpu_name'] = platform.processor() or platform.machine()
    if osp.isfile('/proc/cpuinfo'):
        with open('/proc/cpuinfo') as f:
            env['cpu_name'] = next((ln.split(':', 1)[1].strip() for ln in f
                                    if ln.startswith('model name')), env['cpu_name'])
    env.setdefault('device_name', env['cpu_name'])
    return env


def save(result, path):
    """Write the JSON object atomically: a run killed midway leaves the last whole one."""
    tmp = f'{path}.tmp'
    with open(tmp, 'w') as f:
        f.write(json.dumps(result) + '\n')
    os.replace(tmp, path)


def main():
    args = parse_args()
    warnings.filterwarnings('ignore', message='pkg_resources is deprecated')
    import mmsplitmask  # noqa: F401  (the tools forked on CPU find it imported)
    import torch
    device = args.device
    if device == 'auto':
        device = 'cuda' if torch.cuda.is_available() else 'cpu'
    if device == 'cuda' and not torch.cuda.is_available():
        sys.exit('error: --device cuda: no CUDA device (--device cpu --sizes small runs '
                 'what a CPU can)')
    if device == 'cpu' and args.sizes == 'full':
        print('warning: --sizes full on a CPU (ViT-B, batch 128): steps will run out of their '
              'budgets; --sizes small is what a CPU can', flush=True)
    work = osp.abspath(args.work_dir)
    os.makedirs(work, exist_ok=True)
    json_path = osp.join(work, 'gpu_check.json')
    out = args.out and osp.abspath(args.out)
    os.chdir(ROOT)  # the tools run from the repository root
    start = time.perf_counter()
    check = Check(args, work, device)
    result = environment(device)
    result.update(sizes=args.sizes, steps_asked=args.steps, rounds=args.rounds, work_dir=work,
                  goals_apply=args.sizes == 'full' and device == 'cuda')
    try:  # the memory goal's allowance
        decoder_gib = decoder_state_gib(check.size['arch'])
    except Exception as err:
        decoder_gib = float('nan')
        result['decoder_state_error'] = f'{type(err).__name__}: {err}'
    result['decoder_state_gib'] = round(decoder_gib, 3)
    print(json.dumps(result), flush=True)
    steps = {'mmcv_ops': check.mmcv_ops, 'benchmark_eager': check.benchmark(compiled=False),
             'benchmark_compile': check.benchmark(compiled=True), 'pretrain': check.pretrain,
             'upernet': check.upernet, 'maskrcnn': check.maskrcnn,
             'data_pipeline': check.data_pipeline}
    for name in [s for s in STEPS if s in args.steps]:
        check.step(name, steps[name])
        result.update(total_s=round(time.perf_counter() - start, 1),
                      steps=[dict(name=n, **s) for n, s in check.steps.items()],
                      failed_steps=[n for n, s in check.steps.items() if s['status'] == 'failed'],
                      goals=goals(check.steps, decoder_gib))
        save(result, json_path)
    if out:
        save(result, out)
    print(f'results: {json_path}; logs: {osp.join(work, "logs")}')
    print(json.dumps(result))
    sys.exit(1 if result.get('failed_steps') else 0)


if __name__ == '__main__':
    main()
