"""Thread setup and the timing loop shared by the PyTorch benches (step_bench.py, ../Codistill/step_demo.py)."""
import ctypes
import time

import torch


def set_threads(threads, blas_threads):
    """torch's intra-op pool and OpenBLAS's own pool (torch's setting does not reach it); returns OpenBLAS's count,
    or "?" where no OpenBLAS is loaded."""
    torch.set_num_threads(threads)
    try:
        blas = ctypes.CDLL("libopenblas.so.0")
    except OSError:
        return "?"
    blas.openblas_set_num_threads(blas_threads)
    return blas.openblas_get_num_threads()


def timed_rounds(steps, budget, min_steps, max_steps):
    """Runs each step function of the dict once per round, in order (interleaved, so load hits all alike), until
    every one has min_steps timings and then until the budget (seconds) or max_steps. Returns per name the step
    times in ms and the values the step returned."""
    times = {name: [] for name in steps}
    values = {name: [] for name in steps}
    first = next(iter(steps))
    start = time.perf_counter()
    while len(times[first]) < min_steps or (time.perf_counter() - start < budget and len(times[first]) < max_steps):
        for name, step in steps.items():
            t0 = time.perf_counter()
            values[name].append(step())
            times[name].append((time.perf_counter() - t0) * 1e3)
    return times, values
