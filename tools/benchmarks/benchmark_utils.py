"""What the side-by-side benchmarks share: one process per measurement, rounds, memory."""
import multiprocessing as mp
import queue as queues
import resource
import statistics

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
