"""Images/s of the pre-training data pipeline in N worker processes working at once.

    python tools/benchmarks/benchmark_data.py                    # generated 640x480 JPEGs
    python tools/benchmarks/benchmark_data.py --folder data/coco/train2017 --workers 1 8

Builds the training pipeline of a pre-training config (default: SplitMask ViT-B on
COCO: decode, flip, random resized crop to 224 plus the 112 px target copy, the
complementary split mask, packing) and runs it on a folder of JPEGs, in 1 and in
several worker processes at once, as the data loader would (one thread each, OpenCV
threads as the config's env_cfg). Without --folder it writes COCO-sized JPEGs
(640x480 and 480x640, ~150 kB; COCO's average is ~160 kB) to a temporary folder.

The workers build their pipelines, wait at a barrier, and start together; the total
rate is all their images over one wall clock, from that start to the last worker's
end. So workers that compete for cores are measured competing (summing rates each
worker timed on its own would count a core twice whenever workers did not overlap).
``--sleep-ms`` replaces the pipeline by a sleep per image, a workload that overlaps
perfectly: N workers must then give N times one worker's rate (a self-check).
Prints, per worker count, images/s per worker and in total, the time per transform
in one worker, and as the last line one JSON object.
"""
import argparse
import glob
import json
import multiprocessing as mp
import os
import os.path as osp
import queue as queues
import sys
import tempfile
import time

import numpy as np

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
sys.path.insert(0, ROOT)
DEFAULT_CONFIG = 'configs/splitmask/splitmask_vit-base-p16_16xb128-amp-coslr-3000e_coco.py'


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--config', default=DEFAULT_CONFIG)
    parser.add_argument('--folder', help='JPEGs to read (default: generate --num-files)')
    parser.add_argument('--num-files', type=int, default=32)
    parser.add_argument('--size', type=int, nargs=2, default=(640, 480),
                        help='width height of generated images')
    parser.add_argument('--images', type=int, default=200, help='images per worker')
    parser.add_argument('--workers', type=int, nargs='+', default=[1, os.cpu_count()])
    parser.add_argument('--sleep-ms', type=float,
                        help='instead of the pipeline, sleep this long per image (self-check)')
    return parser.parse_args()


def write_jpegs(folder, count, size, seed=0):
    """Photo-like JPEGs: smooth colour fields, edges and sensor noise, so that their
    file size and decode cost are close to COCO's (a pure-noise image would not be)."""
    import cv2
    rng = np.random.default_rng(seed)
    width, height = size
    for i in range(count):
        w, h = (width, height) if i % 4 else (height, width)  # some portrait ones
        img = cv2.resize(rng.uniform(0, 255, (h // 32, w // 32, 3)).astype(np.float32),
                         (w, h), interpolation=cv2.INTER_CUBIC)
        for _ in range(12):  # objects with hard edges
            center = (int(rng.integers(w)), int(rng.integers(h)))
            color = [float(c) for c in rng.uniform(0, 255, 3)]
            cv2.circle(img, center, int(rng.integers(10, h // 4)), color, -1)
        img += rng.normal(0, 18, img.shape).astype(np.float32)
        cv2.imwrite(osp.join(folder, f'{i:06d}.jpg'), np.clip(img, 0, 255).astype(np.uint8),
                    [cv2.IMWRITE_JPEG_QUALITY, 90])


def build_pipeline(config):
    import mmsplitmask  # noqa: F401  (registers the transforms)
    from mmengine.config import Config
    from mmengine.registry import DefaultScope
    from mmpretrain.registry import TRANSFORMS
    cfg = Config.fromfile(osp.join(ROOT, config) if not osp.isabs(config) else config)
    with DefaultScope.overwrite_default_scope('mmpretrain'):
        transforms = [TRANSFORMS.build(t) for t in cfg.train_dataloader.dataset.pipeline]
    mp_cfg = cfg.get('env_cfg', {}).get('mp_cfg', {})
    return transforms, mp_cfg.get('opencv_num_threads', 0)


class Sleep:
    """The self-check's workload: one sleep per image, no CPU."""

    def __init__(self, ms):
        self.seconds = ms / 1000

    def __call__(self, results):
        time.sleep(self.seconds)
        return results


def worker(config, files, count, seed, sleep_ms, barrier, queue):
    """Run the pipeline on ``count`` images once every worker is ready; report the
    start and end (time.monotonic, one clock for all processes) and per-transform time."""
    if sleep_ms is None:
        import cv2
        import torch
        transforms, cv2_threads = build_pipeline(config)
        cv2.setNumThreads(cv2_threads)
        torch.set_num_threads(1)  # as in a DataLoader worker
    else:
        transforms = [Sleep(sleep_ms)]
    np.random.seed(seed)
    spent = [0.0] * len(transforms)
    barrier.wait()
    start = time.monotonic()
    for done in range(count):
        results = dict(img_path=files[(seed * 7919 + done) % len(files)])
        for i, t in enumerate(transforms):
            tick = time.perf_counter()
            results = t(results)
            spent[i] += time.perf_counter() - tick
    queue.put((start, time.monotonic(), [type(t).__name__ for t in transforms], spent))


def run_workers(config, files, count, workers, sleep_ms=None):
    """``workers`` processes started together; returns their (start, end, names, spent)."""
    ctx = mp.get_context('spawn')  # clean processes: nothing inherited from this one
    queue, barrier = ctx.Queue(), ctx.Barrier(workers)
    procs = [ctx.Process(target=worker, args=(config, files, count, seed, sleep_ms, barrier,
                                                queue))
             for seed in range(workers)]
    for p in procs:
        p.start()
    reports = []
    while len(reports) < workers:  # a worker that dies must not hang the others
        try:
            reports.append(queue.get(timeout=5))
        except queues.Empty:
            dead = [p.exitcode for p in procs if p.exitcode not in (None, 0)]
            if dead:
                for p in procs:
                    p.kill()
                raise RuntimeError(f'a pipeline worker died with exit code {dead[0]}')
    for p in procs:
        p.join()
    return reports


def rates(reports, count):
    """(img/s in total over one wall clock, mean img/s per worker) of workers that each
    processed ``count`` images."""
    wall = max(end for _, end, _, _ in reports) - min(start for start, _, _, _ in reports)
    per_worker = [count / (end - start) for start, end, _, _ in reports]
    return len(reports) * count / wall, float(np.mean(per_worker))


def main():
    args = parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = args.folder
        if folder is None:
            folder = tmp
            write_jpegs(folder, args.num_files, args.size)
        files = sorted(glob.glob(osp.join(folder, '**', '*.jp*g'), recursive=True))
        if not files:
            sys.exit(f'error: no JPEGs under {folder}')
        kib = np.mean([osp.getsize(f) for f in files]) / 1024
        work = f'sleep {args.sleep_ms} ms' if args.sleep_ms is not None else args.config
        print(f'{len(files)} JPEGs in {folder} (mean {kib:.0f} KiB); work: {work}; '
              f'{args.images} images per worker; {os.cpu_count()} CPU cores')
        out = dict(config=args.config, sleep_ms=args.sleep_ms, files=len(files),
                   mean_file_kib=round(kib, 1), images_per_worker=args.images,
                   cpu_cores=os.cpu_count(), results=[])
        for workers in args.workers:
            reports = run_workers(args.config, files, args.images, workers, args.sleep_ms)
            total, per_worker = rates(reports, args.images)
            print(f'{workers} worker(s) at once: {per_worker:6.1f} img/s per worker, '
                  f'{total:6.1f} img/s in total (one wall clock)')
            out['results'].append(dict(workers=workers, total_img_per_s=round(total, 1),
                                       img_per_s_per_worker=round(per_worker, 1)))
            if workers == 1:
                _, _, names, spent = reports[0]
                share = {n: round(1000 * s / args.images, 2) for n, s in zip(names, spent)}
                print('  ms per image in one worker: ' +
                      ', '.join(f'{n} {ms:.2f}' for n, ms in share.items()))
                out['ms_per_image_by_transform'] = share
        out['img_per_s_per_worker'] = out['results'][0]['img_per_s_per_worker']
    print(json.dumps(out))


if __name__ == '__main__':
    main()
