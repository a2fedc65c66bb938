#!/usr/bin/env python3
"""Baseline timings for BENCHMARKS.md: numpy GroupNorm with float64 accumulation and torch nn.GroupNorm.

Same shapes and CT-like value range as Benchmarks/NormalizeBenchmark; reports input GB/s (float32 bytes / best
wall time of a few runs). Run:  python3 Benchmarks/groupnorm_baseline.py
"""
import time

import numpy as np
import torch

CASES = [((1, 1, 160, 256, 256), 1, 3), ((8, 4, 128, 128, 128), 2, 2)]


def numpy_group_norm(x, groups, eps=1e-5):
    n, c = x.shape[:2]
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
    rng = np.random.Generator(np.random.PCG64(1))
    print("shape | groups | numpy f64 GB/s | torch 1 thread GB/s | torch 2 threads GB/s")
    print("---|---|---|---|---")
    for shape, groups, repeats in CASES:
        x = (rng.integers(0, 4025, shape, dtype=np.int16).astype(np.float32) - 1024)
        gb = x.nbytes / 1e9
        t_numpy = best(repeats, lambda: numpy_group_norm(x, groups))
        module = torch.nn.GroupNorm(groups, shape[1], affine=False)
        tx = torch.from_numpy(x)
        rates = []
        for threads in (1, 2):
            torch.set_num_threads(threads)
            with torch.no_grad():
                rates.append(gb / best(repeats, lambda: module(tx)))
        print(f"{list(shape)} | {groups} | {gb / t_numpy:.2f} | {rates[0]:.2f} | {rates[1]:.2f}")


if __name__ == "__main__":
    main()
