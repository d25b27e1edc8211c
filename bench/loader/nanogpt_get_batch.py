# The peer of bench/loader/loader-vs-nanogpt.ts: nanoGPT's get_batch (karpathy/nanoGPT train.py)
# without torch, made to do the same work as kiln's loader:
# - output: one int32 array [batch, block+1] per batch (inputs = a[:, :-1], targets = a[:, 1:]
#   are views), the bytes kiln's loader hands out; mode "original" keeps nanoGPT's two int64
#   arrays x and y, for context;
# - threads: a producer thread fills a bounded queue (8 batches, kiln's default prefetch) and the
#   main thread takes from it, as kiln's worker thread + next() do; "original" has no thread;
# - access: "random" takes `batch` windows at random offsets below `span` tokens (nanoGPT);
#   "contiguous" takes `batch` consecutive windows (each overlapping the next by one token, as
#   kiln's rows do) and walks the file in order.
# A fresh np.memmap per batch, as nanoGPT does (it avoids a memmap leak). torch.from_numpy is
# zero-copy and the .to(device) / pin_memory steps are left out.
# argv: path batch block batches seed mode span
import json
import queue
import sys
import threading
import time

import numpy as np

path = sys.argv[1]
batch_size, block_size, batches, seed = int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
mode = sys.argv[6]
span = int(sys.argv[7])
rng = np.random.default_rng(seed)
row = block_size + 1
WARMUP = 20
total = WARMUP + batches


def original():
    data = np.memmap(path, dtype=np.uint16, mode="r")
    ix = rng.integers(0, span - block_size, size=batch_size)
    x = np.stack([data[i : i + block_size].astype(np.int64) for i in ix])
    y = np.stack([data[i + 1 : i + 1 + block_size].astype(np.int64) for i in ix])
    return x, y


def random_windows():
    data = np.memmap(path, dtype=np.uint16, mode="r")
    ix = rng.integers(0, span - row, size=batch_size)
    out = np.empty((batch_size, row), dtype=np.int32)
    for j, i in enumerate(ix):
        out[j] = data[i : i + row]
    return out


pos = 0


def contiguous():
    global pos
    data = np.memmap(path, dtype=np.uint16, mode="r")
    need = batch_size * block_size + 1
    if pos + need > span:
        pos = 0
    flat = data[pos : pos + need]
    out = np.empty((batch_size, row), dtype=np.int32)
    out[:, :block_size] = flat[: batch_size * block_size].reshape(batch_size, block_size)
    out[:, block_size] = flat[block_size::block_size][:batch_size]
    pos += batch_size * block_size
    return out


produce = {"original": original, "random": random_windows, "contiguous": contiguous}[mode]

if mode == "original":
    for _ in range(WARMUP):
        produce()
    t0 = time.perf_counter()
    c0 = time.process_time()
    for _ in range(batches):
        produce()
    dt = time.perf_counter() - t0
    cpu = time.process_time() - c0
else:
    q = queue.Queue(maxsize=8)

    def producer():
        for _ in range(total):
            q.put(produce())

    threading.Thread(target=producer, daemon=True).start()
    for _ in range(WARMUP):
        q.get()
    t0 = time.perf_counter()
    c0 = time.process_time()
    check = 0
    for _ in range(batches):
        check += int(q.get()[0, 0])
    dt = time.perf_counter() - t0
    cpu = time.process_time() - c0
print(json.dumps({"mode": mode, "batches": batches, "seconds": dt, "tokens_per_s": batches * batch_size * block_size / dt, "tokens_per_cpu_s": batches * batch_size * block_size / cpu}))
