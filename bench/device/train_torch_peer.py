# The PyTorch peer of `kiln train` for bench/device/train-webgpu.sh: the same GPT as kiln's
# train/model/gpt.ts (pre-norm, learned positions, LayerNorm, tanh GELU, biases, head tied to the
# token embedding, init N(0, 0.02) with residual projections scaled by 1/sqrt(2·layers)), the same
# AdamW (0.9, 0.95, wd 0.1 on matrices only), global-norm clip 1.0, warmup + cosine schedule, batch,
# sequence length and steps, on kiln's shards read with numpy at the offsets index.json records.
# nanoGPT style, eager fp32 with TF32 off. Prints one JSON object.
import argparse, json, math, os, sys, time
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

PRESETS = {"gpt-mini": (128, 2, 4), "gpt-small": (256, 4, 8), "gpt2-124m": (768, 12, 12)}
# fp32 peaks as in kiln's train/device-peak.ts, so both MFUs use the same denominator.
PEAKS = [("H100 PCIe", 51.2e12), ("H100 NVL", 60e12), ("H200", 67e12), ("H100", 67e12), ("A100", 19.5e12), ("L40S", 91.6e12), ("L4", 30.3e12), ("RTX 4090", 82.6e12)]

p = argparse.ArgumentParser()
p.add_argument("--shards", required=True)
p.add_argument("--model", default="gpt-mini", choices=sorted(PRESETS))
p.add_argument("--batch-size", type=int, default=16)
p.add_argument("--steps", type=int, default=60)
p.add_argument("--lr", type=float, default=1e-3)
p.add_argument("--seed", type=int, default=1337)
p.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
a = p.parse_args()
torch.backends.cuda.matmul.allow_tf32 = False
torch.backends.cudnn.allow_tf32 = False
torch.set_float32_matmul_precision("highest")
torch.manual_seed(a.seed)

idx = json.load(open(os.path.join(a.shards, "index.json")))
L, T, V = idx["row_length"], idx["seq_len"], idx["vocab_size"]
dt = np.uint16 if idx["dtype"] == "uint16" else np.uint32
def rows(split):
    parts = []
    for e in idx["splits"][split]["shards"]:
        buf = open(os.path.join(a.shards, e["file"]), "rb").read()
        parts += [np.frombuffer(buf, dtype=dt, count=b["rows"] * L, offset=b["offset"]).reshape(b["rows"], L) for b in e["batches"]]
    return torch.from_numpy(np.concatenate(parts).astype(np.int64))
train_rows = rows("train")

d, n_layer, n_head = PRESETS[a.model]
class Block(nn.Module):
    def __init__(s):
        super().__init__()
        s.ln1, s.ln2 = nn.LayerNorm(d, eps=1e-5), nn.LayerNorm(d, eps=1e-5)
        s.qkv, s.o = nn.Linear(d, 3 * d), nn.Linear(d, d)
        s.fc, s.proj = nn.Linear(d, 4 * d), nn.Linear(4 * d, d)
    def forward(s, x):
        B, T_, _ = x.shape
        q, k, v = s.qkv(s.ln1(x)).split(d, dim=2)
        q, k, v = (t.view(B, T_, n_head, d // n_head).transpose(1, 2) for t in (q, k, v))
        # Explicit attention (no fused SDPA kernel): the same work kiln's tfjs graph does.
        att = (q @ k.transpose(-2, -1)) / math.sqrt(d // n_head)
        att = att.masked_fill(torch.ones(T_, T_, device=x.device, dtype=torch.bool).triu(1), float("-inf"))
        y = (F.softmax(att, dim=-1) @ v).transpose(1, 2).reshape(B, T_, d)
        x = x + s.o(y)
        return x + s.proj(F.gelu(s.fc(s.ln2(x)), approximate="tanh"))
class GPT(nn.Module):
    def __init__(s):
        super().__init__()
        s.wte, s.wpe = nn.Embedding(V, d), nn.Embedding(T, d)
        s.h = nn.ModuleList(Block() for _ in range(n_layer))
        s.lnf = nn.LayerNorm(d, eps=1e-5)
        for name, prm in s.named_parameters():
            if prm.dim() == 2:
                std = 0.02 / math.sqrt(2 * n_layer) if name.endswith(("o.weight", "proj.weight")) else 0.02
                nn.init.normal_(prm, 0.0, std)
            elif name.endswith("bias"):
                nn.init.zeros_(prm)
    def forward(s, idx):
        x = s.wte(idx) + s.wpe(torch.arange(idx.shape[1], device=idx.device))
        for b in s.h:
            x = b(x)
        return s.lnf(x) @ s.wte.weight.T
model = GPT().to(a.device)
params = sum(p.numel() for p in model.parameters())
decay = [p for p in model.parameters() if p.dim() >= 2]
no_decay = [p for p in model.parameters() if p.dim() < 2]
opt = torch.optim.AdamW([{"params": decay, "weight_decay": 0.1}, {"params": no_decay, "weight_decay": 0.0}], lr=a.lr, betas=(0.9, 0.95), eps=1e-8)
warmup, min_lr = min(100, a.steps // 10), a.lr / 10
def lr_at(step):
    if step < warmup:
        return a.lr * (step + 1) / warmup
    return min_lr + 0.5 * (1 + math.cos(math.pi * (step - warmup) / max(1, a.steps - warmup))) * (a.lr - min_lr)

g = torch.Generator().manual_seed(a.seed)
order = torch.randperm(train_rows.shape[0], generator=g)
losses, times = [], []
sync = torch.cuda.synchronize if a.device == "cuda" else (lambda: None)
for step in range(a.steps):
    t0 = time.perf_counter()
    pick = order[(torch.arange(a.batch_size) + step * a.batch_size) % len(order)]
    batch = train_rows[pick].to(a.device, non_blocking=True)
    for group in opt.param_groups:
        group["lr"] = lr_at(step)
    logits = model(batch[:, :-1])
    loss = F.cross_entropy(logits.reshape(-1, V), batch[:, 1:].reshape(-1))
    opt.zero_grad(set_to_none=True)
    loss.backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
    opt.step()
    losses.append(loss.item())  # the logged loss, read each step as kiln does
    sync()
    times.append(time.perf_counter() - t0)
steady = times[min(3, len(times) - 1):]  # the first steps include CUDA/cuBLAS start-up
tps = a.batch_size * T * len(steady) / sum(steady)
name = torch.cuda.get_device_name() if a.device == "cuda" else "cpu"
peak = next((f for k, f in PEAKS if k.replace(" ", "").lower() in name.replace(" ", "").lower()), None)
print(json.dumps({"model": a.model, "device": name, "torch": torch.__version__, "params": params, "batch_size": a.batch_size, "seq_len": T,
                  "steps": a.steps, "tokens_per_s": tps, "mfu": 6 * params * tps / peak if peak else None,
                  "loss_first": losses[0], "loss_last5": sum(losses[-5:]) / len(losses[-5:]), "losses": losses}))
