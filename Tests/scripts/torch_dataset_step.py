#!/usr/bin/env python3
"""Runs the PyTorch Dataset of README.md over medprep's batches/index.csv for one training step.

Usage: python3 Tests/scripts/torch_dataset_step.py README.md INDEX_CSV...

The Dataset class is taken from README.md itself (the ```python block that defines `MedPrepDataset`), so the
README example is what is tested. For each index (a 2D or a 3D run with labels) it checks what the README
documents: every row's files exist and its position lies inside them; a sample is an image float32 (C, H, W) or
(C, D, H, W) and a label int64 (1, H, W) or (1, D, H, W) equal to the label batch file's values; a DataLoader
batch stacks samples of different batch files (their label dtypes may differ). Then one optimizer step of a tiny
Conv2d/Conv3d + GroupNorm network with cross-entropy must give a finite loss. Prints one "ok ..." line per index;
exits 1 with "FAIL ..." lines otherwise.
"""
import os
import re
import sys

import numpy as np
import torch
from torch import nn
from torch.utils.data import DataLoader


def dataset_class(readme):
    with open(readme, encoding="utf-8") as handle:
        blocks = re.findall(r"```python\n(.*?)```", handle.read(), flags=re.S)
    code = [block for block in blocks if "class MedPrepDataset" in block]
    if len(code) != 1:
        raise SystemExit(f"FAIL {readme}: expected one ```python block defining MedPrepDataset, found {len(code)}")
    namespace = {}
    exec(compile(code[0], readme, "exec"), namespace)
    return namespace["MedPrepDataset"]


def check(cls, index):
    failures = []
    dataset = cls(index)
    root = os.path.dirname(os.path.abspath(index))
    for row in dataset.rows:
        for name in (row["batch"], row["label_batch"]):
            path = os.path.join(root, name)
            if not name or not os.path.isfile(path):
                failures.append(f"{index}: row {row} names a missing file {name!r}")
            elif int(row["position"]) >= np.load(path, mmap_mode="r").shape[0]:
                failures.append(f"{index}: row {row}: position past the end of {name}")
    if failures:
        return failures
    image, label = dataset[len(dataset) - 1]
    spatial = image.shape[1:]
    if image.dtype != torch.float32 or label.dtype != torch.int64 or label.shape != (1,) + tuple(spatial):
        failures.append(f"{index}: sample image {image.dtype} {tuple(image.shape)}, label {label.dtype} "
                        f"{tuple(label.shape)}; expected float32 (C, ...) and int64 (1, ...)")
    row = dataset.rows[-1]
    stored = np.load(os.path.join(root, row["label_batch"]))[int(row["position"])]
    if not np.array_equal(label.numpy(), stored.astype(np.int64)):
        failures.append(f"{index}: the label of the last row differs from its label batch file")
    if failures:
        return failures

    torch.manual_seed(0)
    loader = DataLoader(dataset, batch_size=len(dataset), shuffle=True)
    images, labels = next(iter(loader))
    target = labels[:, 0] - labels.min()  # class numbers from 0 (the 3D test data has negative ones)
    channels, classes = images.shape[1], int(target.max()) + 1
    conv = nn.Conv3d if images.dim() == 5 else nn.Conv2d
    model = nn.Sequential(conv(channels, 4, 3, padding=1), nn.GroupNorm(2, 4), nn.ReLU(), conv(4, classes, 1))
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    before = [p.detach().clone() for p in model.parameters()]
    loss = nn.functional.cross_entropy(model(images), target)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    if not torch.isfinite(loss) or all(torch.equal(a, b) for a, b in zip(before, model.parameters())):
        failures.append(f"{index}: the training step gave loss {loss.item()} or changed no weight")
    else:
        print(f"ok {index}: {len(dataset)} samples, images {images.dtype} {tuple(images.shape)}, "
              f"labels {labels.dtype} {tuple(labels.shape)}, loss {loss.item():.4f}")
    return failures


def main():
    if len(sys.argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    cls = dataset_class(sys.argv[1])
    failures = [failure for index in sys.argv[2:] for failure in check(cls, index)]
    for failure in failures:
        print("FAIL " + failure)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
