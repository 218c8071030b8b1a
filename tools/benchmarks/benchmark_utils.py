"""What the side-by-side benchmarks share: measurement processes, rounds, memory, peaks."""
import multiprocessing as mp
import queue as queues
import resource
import statistics
import traceback

import torch


def sync(device):
    if device == 'cuda':
        torch.cuda.synchronize()


def peak_memory_gib(device):
    """Peak CUDA allocation, or on CPU the process's peak resident set."""
    if device == 'cuda':
        return torch.cuda.max_memory_allocated() / 2**30
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20  # KiB -> GiB


def _child(target, args, queue):
    queue.put(target(*args))


def run_isolated(target, *args):
    """``target(*args)`` in a fresh process, so peak memory and caches are its own."""
    ctx = mp.get_context('spawn')
    queue = ctx.Queue()
    proc = ctx.Process(target=_child, args=(target, args, queue))
    proc.start()
    while True:  # a child that dies (crash, out of memory) must not hang the benchmark
        try:
            result = queue.get(timeout=5)
            break
        except queues.Empty:
            if not proc.is_alive():
                raise RuntimeError(f'measurement process died with exit code {proc.exitcode}')
    proc.join()
    return result


def alternate(names, rounds, measure):
    """``measure(name)`` for each name in turn, ``rounds`` times: a shared machine's
    drifts then hit every candidate alike. Returns {name: [result per round]}."""
    results = {name: [] for name in names}
    for _ in range(rounds):
        for name in names:
            results[name].append(measure(name))
    return results


def medians(results):
    """{key: median over rounds} of a list of per-round dicts."""
    return {k: statistics.median(r[k] for r in results) for k in results[0]}


def _serve(setup, args, conn):
    """A resident measurement process: ``setup(*args)`` once, then one timed round per
    request (the value ``setup`` returned is the round's function)."""
    try:
        run_round = setup(*args)
        conn.send(('ready', None))
        while conn.recv():
            conn.send(('ok', run_round()))
    except BaseException:
        conn.send(('error', traceback.format_exc()))
        raise


class Resident:
    """One candidate's process, kept across rounds: its set-up (model, warm-up,
    compilation) is paid once, its peak memory is its own."""

    def __init__(self, ctx, setup, args):
        self.conn, child = ctx.Pipe()
        self.proc = ctx.Process(target=_serve, args=(setup, args, child))
        self.proc.start()
        child.close()

    def receive(self):
        while not self.conn.poll(5):  # a child that dies must not hang the benchmark
            if not self.proc.is_alive():
                raise RuntimeError(f'measurement process died with exit code {self.proc.exitcode}')
        status, value = self.conn.recv()
        if status == 'error':
            raise RuntimeError(f'measurement process failed:\n{value}')
        return value

    def round(self):
        self.conn.send(True)
        return self.receive()

    def close(self):
        if self.proc.is_alive():
            try:
                self.conn.send(False)
            except OSError:
                pass
            self.proc.join(30)
        if self.proc.is_alive():
            self.proc.kill()
            self.proc.join()


def alternate_resident(names, rounds, setup, *args):
    """``setup(name, *args)`` in one spawned process per name, all at once (set-up and
    warm-up overlap); then ``rounds`` rounds that time each candidate in turn, alone
    on the machine, so drifts hit every candidate alike. {name: [result per round]}."""
    ctx = mp.get_context('spawn')
    procs = {}
    try:
        for name in names:
            procs[name] = Resident(ctx, setup, (name, *args))
        for proc in procs.values():
            proc.receive()
        results = {name: [] for name in names}
        for _ in range(rounds):
            for name, proc in procs.items():
                results[name].append(proc.round())
        return results
    finally:
        for proc in procs.values():
            proc.close()


def ratio_rounds(numerator, denominator, key):
    """Per-round ratios ``numerator[r][key] / denominator[r][key]`` of alternating rounds,
    and their median: a goal on a ratio is decided on the median of rounds, which one
    noisy round cannot flip."""
    ratios = [n[key] / d[key] for n, d in zip(numerator, denominator)]
    return statistics.median(ratios), ratios


# bf16 dense (no sparsity) tensor-core peaks of the vendors' spec sheets, TFLOP/s, by
# a part of the name torch.cuda.get_device_name gives; the longest match wins.
SPEC_BF16_TFLOPS = {'H200': 989, 'H200 NVL': 835, 'H100': 989, 'H100 NVL': 835,
                    'H100 PCIe': 756, 'A100': 312}


def spec_peak_tflops(device_name):
    """The spec sheet's bf16 dense peak of a device, or None when it is not listed."""
    found = [key for key in SPEC_BF16_TFLOPS if key in (device_name or '')]
    return SPEC_BF16_TFLOPS[max(found, key=len)] if found else None


def mfu(img_per_s, gflop_per_img, peak_gflops):
    """Model FLOP utilisation: useful GFLOP/s over a peak in GFLOP/s (None: no peak)."""
    return img_per_s * gflop_per_img / peak_gflops if peak_gflops else None
