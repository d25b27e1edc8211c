# nanoGPT's get_batch (karpathy/nanoGPT train.py), without torch: a fresh np.memmap of the
# uint16 token file per batch, batch_size random offsets, x and y stacked as int64.
# torch.from_numpy is zero-copy, and the .to(device) / pin_memory steps are excluded.
import json
import sys
import time

import numpy as np

path, batch_size, block_size, batches, seed = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
rng = np.random.default_rng(seed)


def get_batch():
    data = np.memmap(path, dtype=np.uint16, mode="r")
    ix = rng.integers(0, len(data) - block_size, size=batch_size)
    x = np.stack([data[i : i + block_size].astype(np.int64) for i in ix])
    y = np.stack([data[i + 1 : i + 1 + block_size].astype(np.int64) for i in ix])
    return x, y


for _ in range(20):
    get_batch()
t0 = time.perf_counter()
for _ in range(batches):
    get_batch()
dt = time.perf_counter() - t0
print(json.dumps({"batches": batches, "seconds": dt, "tokens_per_s": batches * batch_size * block_size / dt}))
