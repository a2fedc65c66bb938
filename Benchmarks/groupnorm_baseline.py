#!/usr/bin/env python3
"""Baselines of the GroupNorm kernel benchmark: numpy GroupNorm with float64 accumulation and torch nn.GroupNorm.

Same shapes and CT-like value range as Benchmarks/NormalizeBenchmark. Prints one JSON object per shape with input
GB/s (float32 bytes / best wall time). Run by Benchmarks/run_normalize_benchmark.py, or alone:
    python3 Benchmarks/groupnorm_baseline.py
"""
import json
import time

import numpy as np

CASES = [((1, 1, 160, 256, 256), 1, 5), ((8, 4, 128, 128, 128), 2, 3)]


def numpy_group_norm(x, groups, eps=1e-5):
    n = x.shape[0]
    v = x.reshape(n, groups, -1)
    mean = v.mean(axis=2, dtype=np.float64, keepdims=True)
    var = v.var(axis=2, dtype=np.float64, keepdims=True)
    scale = 1.0 / np.sqrt(var + eps)
    return ((v - mean) * scale).astype(np.float32).reshape(x.shape)


def best(repeats, fn):
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def main():
    try:
        import torch
    except ImportError:
        torch = None
    rng = np.random.Generator(np.random.PCG64(1))
    for shape, groups, repeats in CASES:
        x = rng.integers(0, 4025, shape, dtype=np.int16).astype(np.float32) - 1024
        gb = x.nbytes / 1e9
        record = {"shape": list(shape), "groups": groups, "numpy_gbps": gb / best(repeats, lambda: numpy_group_norm(x, groups))}
        if torch is not None:
            module = torch.nn.GroupNorm(groups, shape[1], affine=False)
            tx = torch.from_numpy(x)
            for threads in (1, 2):
                torch.set_num_threads(threads)
                with torch.no_grad():
                    record[f"torch_{threads}_gbps"] = gb / best(repeats, lambda: module(tx))
            record["torch"] = torch.__version__
        record["numpy"] = np.__version__
        print(json.dumps(record, sort_keys=True))


if __name__ == "__main__":
    main()
