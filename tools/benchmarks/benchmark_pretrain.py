"""Pre-training throughput of SplitMask vs mmpretrain's BEiT, side by side in one run.

    python tools/benchmarks/benchmark_pretrain.py --arch small --batch-size 32 --device cpu

Measures, on the same random inputs: the machine's matmul peak (fp32 on CPU, bf16 on
GPU), then images/s of a full training step (forward, backward, AdamW step with
gradient clipping) of both algorithms with the same ViT, batch and random-projection
tokenizer, their analytic FLOPs per image, the fraction of the peak they reach (MFU:
against the measured peak, and on a GPU listed in ``benchmark_utils.SPEC_BF16_TFLOPS``
also against its spec sheet's bf16 dense peak) and their peak memory. Each algorithm
runs in its own process, set up (and compiled) once, so peak memory is its own; then
``--rounds`` rounds time them in turn so drifts of a shared machine hit both. img/s
are medians of the rounds, and SplitMask's time per image over BEiT's is the median of
the per-round ratios. SplitMask's split indices are computed on the host in every
step, as the data preprocessor does in training. The last line is one JSON object.

FLOPs count matrix multiplies only (2 per multiply-add: projections, attention
scores and mixing, MLPs, patch embedding, classifier head, tokenizer); backward is
counted as twice the forward, except for the tokenizer, which has no gradient.
Norms, softmax and element-wise work are not counted, nor is recomputation
(--decoder-checkpoint), which costs time but is not useful arithmetic.

On a CPU shared with other jobs, wall-clock time also measures how much of the
machine the others took. So on CPU the peak and each step are also timed in process
CPU time, and ``*_cpu`` figures (images/s and MFU as if the process had its threads'
cores to itself) are reported beside the wall-clock ones.

Large CPU tensors are fresh pages on every step (glibc returns blocks over 32 MB to
the OS), and their page faults cost time; PyTorch backs them with transparent huge
pages when the environment has THP_MEM_ALLOC_ENABLE=1 (the measurement processes
inherit it).
"""
import argparse
import json
import os
import os.path as osp
import sys
import time

import torch

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
sys.path.insert(0, ROOT)
sys.path.insert(0, osp.join(ROOT, 'tools'))

from benchmarks.benchmark_utils import (alternate_resident, medians, mfu,  # noqa: E402
                                        peak_memory_gib, ratio_rounds, spec_peak_tflops,
                                        sync)

ARCH = {'tiny': (192, 12), 'small': (384, 12), 'base': (768, 12), 'large': (1024, 24)}
IMG, PATCH, VOCAB, BEIT_MASKED = 224, 16, 8192, 75


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--arch', choices=list(ARCH), default='small')
    parser.add_argument('--batch-size', type=int, default=32)
    parser.add_argument('--device', choices=['cpu', 'cuda'], default='cpu')
    parser.add_argument('--iters', type=int, default=4, help='timed steps per algorithm')
    parser.add_argument('--warmup', type=int, default=2)
    parser.add_argument('--rounds', type=int, default=3,
                        help='alternating SplitMask/BEiT measurements; medians are reported')
    parser.add_argument('--slow-splitmask', type=float, default=0.0, metavar='SECONDS',
                        help='add this many seconds to every SplitMask step: a deliberately '
                        'slower SplitMask, to check that the ratio and its goal respond')
    parser.add_argument('--compile', action='store_true', help='torch.compile the models')
    parser.add_argument('--decoder-checkpoint', action='store_true',
                        help="SplitMask's decoder recomputes its activations in backward "
                        '(model.neck.with_cp=True)')
    return parser.parse_args()


def block_flops(tokens, dims):
    """One pre-norm block's forward matmul FLOPs on a sequence of ``tokens``."""
    return 24 * tokens * dims**2 + 4 * tokens**2 * dims


def forward_flops(algo, dims, layers):
    """Forward matmul FLOPs per image: (model, tokenizer). tools/analysis_tools/
    get_flops.py counts the same forward (tests/test_get_flops.py checks it)."""
    n = (IMG // PATCH)**2
    patch_embed = 2 * n * 3 * PATCH * PATCH * dims
    tokenizer = 2 * n * 3 * 8 * 8 * VOCAB
    if algo == 'beit':
        forward = patch_embed + layers * block_flops(n + 1, dims) + 2 * BEIT_MASKED * dims * VOCAB
    else:  # two encoder passes on n/2 (+ class token), decoder on full length, head on all
        forward = (patch_embed + 2 * layers * block_flops(n // 2 + 1, dims) +
                   2 * 2 * block_flops(n + 1, dims) + 2 * n * dims * VOCAB)
    return forward, tokenizer


def flops_per_image(algo, dims, layers):
    """A training step's FLOPs per image: backward twice the forward; the tokenizer
    runs forward only."""
    forward, tokenizer = forward_flops(algo, dims, layers)
    return 3 * forward + tokenizer


def matmul_peak(device, dtype):
    """GFLOP/s of a large square matmul: by the wall clock, and by process CPU time
    (as if this process had its threads' cores to itself)."""
    size = 2048 if device == 'cpu' else 8192
    a = torch.randn(size, size, device=device, dtype=dtype)
    b = torch.randn(size, size, device=device, dtype=dtype)
    out = torch.empty_like(a)
    for _ in range(2):
        torch.mm(a, b, out=out)
    sync(device)
    reps = 5 if device == 'cpu' else 50
    start, start_cpu = time.perf_counter(), time.process_time()
    for _ in range(reps):
        torch.mm(a, b, out=out)
    sync(device)
    flop = 2 * size**3 * reps / 1e9
    cpu_seconds = (time.process_time() - start_cpu) / torch.get_num_threads()
    return flop / (time.perf_counter() - start), flop / cpu_seconds


def build(algo, arch, decoder_checkpoint=False):
    import mmsplitmask  # noqa: F401
    from mmengine.config import Config
    from mmengine.registry import DefaultScope
    from mmpretrain.registry import MODELS
    cfg = Config.fromfile(osp.join(ROOT, f'configs/_base_/models/{algo}_vit-{arch}-p16.py'))
    if decoder_checkpoint and algo == 'splitmask':
        cfg.model.neck.with_cp = True
    with DefaultScope.overwrite_default_scope('mmpretrain'):
        model = MODELS.build(cfg.model)
    model.init_weights()
    return model


def make_batch(algo, batch, device, seed=0):
    """Normalised images, [0, 1] half-resolution targets and each algorithm's masks."""
    import numpy as np
    from mmpretrain.datasets.transforms import BEiTMaskGenerator
    from mmpretrain.structures import DataSample

    from mmsplitmask.datasets import ComplementaryMaskGenerator
    torch.manual_seed(seed)
    np.random.seed(seed)
    images = torch.randn(batch, 3, IMG, IMG, device=device)
    targets = torch.rand(batch, 3, IMG // 2, IMG // 2, device=device)
    grid = IMG // PATCH
    if algo == 'beit':
        gen = BEiTMaskGenerator(grid, BEIT_MASKED, min_num_patches=16)
        samples = [DataSample().set_mask(gen({})['mask']) for _ in range(batch)]
        for s in samples:
            s.mask = s.mask.to(device)
    else:
        gen = ComplementaryMaskGenerator(grid)
        samples = []
        for _ in range(batch):
            s = DataSample()
            s.set_field(gen({})['subset'], 'subset')
            samples.append(s)
    return [images, targets], samples


def setup(algo, args):
    """Build, warm up (and compile); return the function that times one round."""
    from mmsplitmask.models.splitmask import split_indices
    torch.manual_seed(0)
    device = args.device
    model = build(algo, args.arch, args.decoder_checkpoint).to(device).train()
    inputs, samples = make_batch(algo, args.batch_size, device)
    optimizer = torch.optim.AdamW(model.parameters(), lr=1.5e-3, weight_decay=0.05)
    step_model = torch.compile(model) if args.compile else model
    delay = args.slow_splitmask if algo == 'splitmask' else 0.0

    def step():
        batch = inputs
        if algo == 'splitmask':  # what PretrainDataPreprocessor does for every batch
            batch = [*inputs, *split_indices([s.subset for s in samples], device)]
        with torch.autocast(device, dtype=torch.bfloat16, enabled=device == 'cuda'):
            losses = step_model(batch, samples, mode='loss')
        loss = sum(v for k, v in losses.items() if 'loss' in k)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 3.0)
        optimizer.step()
        if delay:
            sync(device)
            time.sleep(delay)

    start = time.perf_counter()
    for _ in range(args.warmup):  # with --compile, this includes compilation
        step()
    sync(device)
    warmup_s = time.perf_counter() - start
    if device == 'cuda':
        torch.cuda.reset_peak_memory_stats()

    def timed_round():
        start, start_cpu = time.perf_counter(), time.process_time()
        for _ in range(args.iters):
            step()
        sync(device)
        result = dict(img_per_s=args.batch_size * args.iters / (time.perf_counter() - start),
                      peak_mem_gib=peak_memory_gib(device), warmup_s=warmup_s)
        if device == 'cpu':
            cpu_seconds = (time.process_time() - start_cpu) / torch.get_num_threads()
            result['img_per_s_cpu'] = args.batch_size * args.iters / cpu_seconds
        return result

    return timed_round


def summarise(algo, results, gflop, peaks, spec_gflops, out):
    """Print one algorithm's medians and add them to ``out``; MFU against the peak
    measured the same way (wall clock, or CPU time), and against the spec peak."""
    res = medians(results)
    print(f'{algo:>9} img/s per round: ' + ', '.join(f'{r["img_per_s"]:.2f}' for r in results))
    line = f'{algo:>9}: {res["img_per_s"]:7.2f} img/s  {gflop:6.1f} GFLOP/img'
    out[f'{algo}_gflop_per_img'] = round(gflop, 2)
    for suffix, peak in peaks.items():
        value = mfu(res[f'img_per_s{suffix}'], gflop, peak)
        line += f'  MFU{suffix} {100 * value:5.1f}%'
        out[f'{algo}_img_per_s{suffix}'] = round(res[f'img_per_s{suffix}'], 3)
        out[f'{algo}_img_per_s{suffix}_rounds'] = [round(r[f'img_per_s{suffix}'], 3)
                                                  for r in results]
        out[f'{algo}_mfu{suffix}'] = round(value, 4)
    value = mfu(res['img_per_s'], gflop, spec_gflops)
    out[f'{algo}_mfu_spec'] = value if value is None else round(value, 4)
    if value is not None:
        line += f'  MFU of spec {100 * value:5.1f}%'
    print(f'{line}  peak memory {res["peak_mem_gib"]:.2f} GiB  set-up {res["warmup_s"]:.0f} s')
    out[f'{algo}_peak_mem_gib'] = round(max(r['peak_mem_gib'] for r in results), 3)
    out[f'{algo}_warmup_s'] = round(res['warmup_s'], 1)


def main():
    args = parse_args()
    dtype = torch.float32 if args.device == 'cpu' else torch.bfloat16
    peak, peak_cpu = matmul_peak(args.device, dtype)
    device_name = torch.cuda.get_device_name(0) if args.device == 'cuda' else 'cpu'
    spec = spec_peak_tflops(device_name) if args.device == 'cuda' else None
    peaks = {'': peak, '_cpu': peak_cpu} if args.device == 'cpu' else {'': peak}
    thp = os.environ.get('THP_MEM_ALLOC_ENABLE', '0')
    print(f'device {args.device} {device_name} ({torch.get_num_threads()} threads), {dtype} '
          f'matmul peak {peak:.1f} GFLOP/s ({peak_cpu:.1f} by CPU time), spec peak '
          f'{spec} TFLOP/s; ViT-{args.arch} {IMG}px, batch {args.batch_size}, {args.iters} '
          f'timed steps after {args.warmup} warm-up, {args.rounds} rounds; compile '
          f'{args.compile}, decoder checkpoint {args.decoder_checkpoint}, '
          f'THP_MEM_ALLOC_ENABLE={thp}')
    out = {f'peak_gflops{k}': round(v, 1) for k, v in peaks.items()}
    out.update(spec_peak_tflops=spec, device_name=device_name, arch=args.arch,
               batch_size=args.batch_size, device=args.device, compile=args.compile,
               decoder_checkpoint=args.decoder_checkpoint, thp_alloc=thp, rounds=args.rounds,
               slow_splitmask_s=args.slow_splitmask)
    rounds = alternate_resident(['splitmask', 'beit'], args.rounds, setup, args)
    dims, layers = ARCH[args.arch]
    for algo, results in rounds.items():
        summarise(algo, results, flops_per_image(algo, dims, layers) / 1e9, peaks,
                  spec and spec * 1000.0, out)
    for suffix in peaks:
        median, per_round = ratio_rounds(rounds['beit'], rounds['splitmask'],
                                         f'img_per_s{suffix}')
        out[f'time_per_img_ratio{suffix}'] = round(median, 3)
        out[f'time_per_img_ratio{suffix}_rounds'] = [round(r, 3) for r in per_round]
    out['flop_ratio'] = round(flops_per_image('splitmask', dims, layers) /
                              flops_per_image('beit', dims, layers), 3)
    print(f'SplitMask time per image = {out["time_per_img_ratio"]:.2f} x BEiT\'s (median of '
          f'rounds {out["time_per_img_ratio_rounds"]}), for {out["flop_ratio"]:.2f} x the FLOPs')
    print(json.dumps(out))


if __name__ == '__main__':
    main()
