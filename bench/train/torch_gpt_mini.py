"""The peer of bench/train/train-vs-torch.ts: kiln's gpt-mini, written nanoGPT-style in PyTorch
(CPU, fp32), trained on kiln's own shard files (Arrow IPC, read here with numpy alone) with the
same batch, sequence length, AdamW settings, learning-rate schedule, gradient clip and init
distributions as `kiln train`. Prints one JSON object: per-step loss and milliseconds, and the
token-weighted val loss over the whole val split before and after training.

Run: /usr/bin/python3 bench/train/torch_gpt_mini.py --shards DIR --steps N [--threads 1] ...
(Debian: apt-get install -y python3-torch python3-numpy)
"""
import argparse
import json
import math
import os
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


# --- kiln shards: Arrow IPC files, one FixedSizeList<uint16|uint32>[row_length] column -------------
# index.json gives each record batch's row count and the absolute file offset of its values buffer
# (core/shard-index.ts), which is how kiln's own loader reads them: no Arrow library needed.

def read_record_batch(data, offset, rows, row_length, dtype):
    """The rows x row_length token matrix whose values buffer starts at `offset`."""
    size = rows * row_length * dtype.itemsize
    if offset + size > len(data):
        raise ValueError(f"record batch at {offset}: {size} bytes do not fit a {len(data)}-byte file")
    return np.frombuffer(data, dtype=dtype, count=rows * row_length, offset=offset).reshape(rows, row_length)


def read_split(shards, index, split):
    dtype = np.dtype("<u2" if index["dtype"] == "uint16" else "<u4")
    parts = []
    for shard in index["splits"][split]["shards"]:
        with open(os.path.join(shards, shard["file"]), "rb") as f:
            data = f.read()
        for batch in shard["batches"]:
            parts.append(read_record_batch(data, batch["offset"], batch["rows"], index["row_length"], dtype))
    return np.concatenate(parts).astype(np.int64)


# --- the model: kiln's train/model/gpt.ts, nanoGPT's layout ----------------------------------------

class Block(nn.Module):
    def __init__(self, d, n_head, eps):
        super().__init__()
        self.n_head = n_head
        self.ln1 = nn.LayerNorm(d, eps=eps)
        self.attn = nn.Linear(d, 3 * d)
        self.attn_proj = nn.Linear(d, d)
        self.ln2 = nn.LayerNorm(d, eps=eps)
        self.fc = nn.Linear(d, 4 * d)
        self.mlp_proj = nn.Linear(4 * d, d)

    def forward(self, x, mask):
        B, T, C = x.shape
        h = self.n_head
        q, k, v = self.attn(self.ln1(x)).split(C, dim=2)
        q, k, v = (t.view(B, T, h, C // h).transpose(1, 2) for t in (q, k, v))
        # The explicit form (as kiln computes it): scores, additive causal mask, softmax, weighted sum.
        att = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(C // h)) + mask[:T, :T]
        y = (F.softmax(att, dim=-1) @ v).transpose(1, 2).contiguous().view(B, T, C)
        x = x + self.attn_proj(y)
        return x + self.mlp_proj(F.gelu(self.fc(self.ln2(x)), approximate="tanh"))


class GPT(nn.Module):
    def __init__(self, vocab, seq_len, d, n_layer, n_head, eps=1e-5, init_std=0.02):
        super().__init__()
        self.wte = nn.Embedding(vocab, d)
        self.wpe = nn.Embedding(seq_len, d)
        self.blocks = nn.ModuleList([Block(d, n_head, eps) for _ in range(n_layer)])
        self.lnf = nn.LayerNorm(d, eps=eps)
        self.register_buffer("mask", torch.triu(torch.full((seq_len, seq_len), float("-inf")), diagonal=1))
        # kiln's init: every matrix N(0, 0.02), residual output projections N(0, 0.02/sqrt(2*n_layer)),
        # biases 0, norm gains 1; the head is the token embedding (tied).
        for name, p in self.named_parameters():
            if name.endswith("attn_proj.weight") or name.endswith("mlp_proj.weight"):
                nn.init.normal_(p, 0.0, init_std / math.sqrt(2 * n_layer))
            elif p.dim() == 2:
                nn.init.normal_(p, 0.0, init_std)
            elif name.endswith(".bias"):
                nn.init.zeros_(p)

    def forward(self, ids):
        B, T = ids.shape
        x = self.wte(ids) + self.wpe(torch.arange(T))
        for block in self.blocks:
            x = block(x, self.mask)
        return self.lnf(x) @ self.wte.weight.t()


def batch_loss(model, rows):
    logits = model(rows[:, :-1])
    return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), rows[:, 1:].reshape(-1))


@torch.no_grad()
def evaluate(model, val, batch_size):
    """Token-weighted mean loss over every row of the split, in batches (the last may be short)."""
    weighted, tokens = 0.0, 0
    for i in range(0, len(val), batch_size):
        rows = torch.from_numpy(val[i:i + batch_size])
        n = rows.shape[0] * (rows.shape[1] - 1)
        weighted += batch_loss(model, rows).item() * n
        tokens += n
    return weighted / tokens, tokens


def learning_rate(step, lr, min_lr, warmup, decay):
    """kiln's train/optim/schedule.ts: linear warmup, then cosine down to min_lr."""
    if step < warmup:
        return lr * (step + 1) / warmup
    if step >= decay:
        return min_lr
    progress = (step - warmup) / max(1, decay - warmup)
    return min_lr + 0.5 * (1 + math.cos(math.pi * progress)) * (lr - min_lr)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--shards", required=True)
    ap.add_argument("--steps", type=int, required=True)
    ap.add_argument("--batch-size", type=int, default=8)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--min-lr", type=float)
    ap.add_argument("--warmup-steps", type=int, required=True)
    ap.add_argument("--weight-decay", type=float, default=0.1)
    ap.add_argument("--beta1", type=float, default=0.9)
    ap.add_argument("--beta2", type=float, default=0.95)
    ap.add_argument("--grad-clip", type=float, default=1.0)
    ap.add_argument("--seed", type=int, default=1337)
    ap.add_argument("--threads", type=int, required=True)
    ap.add_argument("--d-model", type=int, default=128)
    ap.add_argument("--n-layer", type=int, default=2)
    ap.add_argument("--n-head", type=int, default=4)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.set_num_interop_threads(1)
    torch.manual_seed(a.seed)

    with open(os.path.join(a.shards, "index.json")) as f:
        index = json.load(f)
    train, val = read_split(a.shards, index, "train"), read_split(a.shards, index, "val")
    model = GPT(index["vocab_size"], index["seq_len"], a.d_model, a.n_layer, a.n_head)
    decay = [p for p in model.parameters() if p.dim() == 2]
    no_decay = [p for p in model.parameters() if p.dim() < 2]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": a.weight_decay}, {"params": no_decay, "weight_decay": 0.0}],
                            lr=a.lr, betas=(a.beta1, a.beta2), eps=1e-8)
    min_lr = a.min_lr if a.min_lr is not None else a.lr / 10

    initial_val, _ = evaluate(model, val, a.batch_size)
    # One epoch's row order, seeded; a new permutation when it runs out (as kiln's loader does).
    rng = np.random.default_rng(a.seed)
    order, cursor = rng.permutation(len(train)), 0
    losses, step_ms, wait_ms = [], [], []
    model.train()
    for step in range(a.steps):
        t0 = time.perf_counter()
        if cursor + a.batch_size > len(order):
            order, cursor = rng.permutation(len(train)), 0
        rows = torch.from_numpy(train[order[cursor:cursor + a.batch_size]])
        cursor += a.batch_size
        t1 = time.perf_counter()
        loss = batch_loss(model, rows)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), a.grad_clip)
        for g in opt.param_groups:
            g["lr"] = learning_rate(step, a.lr, min_lr, a.warmup_steps, a.steps)
        opt.step()
        opt.zero_grad(set_to_none=True)
        losses.append(loss.item())
        t2 = time.perf_counter()
        wait_ms.append((t1 - t0) * 1000)
        step_ms.append((t2 - t0) * 1000)
    model.eval()
    val_loss, val_tokens = evaluate(model, val, a.batch_size)
    print(json.dumps({
        "torch": torch.__version__, "numpy": np.__version__, "threads": torch.get_num_threads(),
        "params": sum(p.numel() for p in model.parameters()), "train_rows": len(train), "val_rows": len(val),
        "losses": losses, "step_ms": step_ms, "data_wait_ms": wait_ms,
        "initial_val_loss": initial_val, "val_loss": val_loss, "val_tokens": val_tokens,
    }))


if __name__ == "__main__":
    main()
