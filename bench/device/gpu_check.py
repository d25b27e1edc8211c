# Device check (python3 bench/device/gpu_check.py SHARDS_DIR): kiln's Arrow shards read by pyarrow (and by plain numpy at the offsets index.json
# records), then a small GPT trained on them in PyTorch on the GPU. Prints one JSON object.
import json, os, sys, time
import numpy as np

d = sys.argv[1]
out = os.environ.get("OUT", ".")
idx = json.load(open(os.path.join(d, "index.json")))
L = idx["row_length"]
dt = np.uint16 if idx["dtype"] == "uint16" else np.uint32
result = {"seq_len": idx["seq_len"], "dtype": idx["dtype"]}

def numpy_rows(entry):
    # The FixedSizeList child buffer of each record batch is one contiguous little-endian array.
    parts = []
    with open(os.path.join(d, entry["file"]), "rb") as f:
        buf = f.read()
    for b in entry["batches"]:
        parts.append(np.frombuffer(buf, dtype=dt, count=b["rows"] * L, offset=b["offset"]).reshape(b["rows"], L))
    return np.concatenate(parts)

splits = {s: np.concatenate([numpy_rows(e) for e in idx["splits"][s]["shards"]]) for s in ("train", "val")}
result["rows"] = {s: int(v.shape[0]) for s, v in splits.items()}
result["rows_overlap_ok"] = bool(all((v[1:, 0] == v[:-1, -1]).all() for v in splits.values()))
try:
    import pyarrow as pa, pyarrow.ipc as ipc
    same = True
    for s in ("train", "val"):
        for e in idx["splits"][s]["shards"]:
            with pa.memory_map(os.path.join(d, e["file"])) as src:
                t = ipc.open_file(src).read_all()
            col = t.column("tokens").combine_chunks()
            arr = col.flatten().to_numpy().reshape(-1, L)
            same = same and str(col.type) == f"fixed_size_list<item: {idx['dtype']}>[{L}]" or same and col.type.list_size == L
            same = same and np.array_equal(arr, numpy_rows(e))
    result["pyarrow"] = {"version": pa.__version__, "equal_to_numpy": bool(same), "type": str(col.type)}
except ImportError as err:
    result["pyarrow"] = f"not installed: {err}"

import torch, torch.nn as nn, torch.nn.functional as F
torch.manual_seed(0)
dev = "cuda"
V, T, C, H, NL = idx["vocab_size"], idx["seq_len"], 384, 6, 6
class Block(nn.Module):
    def __init__(s):
        super().__init__(); s.l1 = nn.LayerNorm(C); s.att = nn.Linear(C, 3 * C); s.proj = nn.Linear(C, C); s.l2 = nn.LayerNorm(C); s.mlp = nn.Sequential(nn.Linear(C, 4 * C), nn.GELU(), nn.Linear(4 * C, C))
    def forward(s, x):
        B, T_, _ = x.shape
        q, k, v = s.att(s.l1(x)).split(C, 2)
        q, k, v = (z.view(B, T_, H, C // H).transpose(1, 2) for z in (q, k, v))
        y = F.scaled_dot_product_attention(q, k, v, is_causal=True).transpose(1, 2).reshape(B, T_, C)
        x = x + s.proj(y)
        return x + s.mlp(s.l2(x))
class GPT(nn.Module):
    def __init__(s):
        super().__init__(); s.wte = nn.Embedding(V, C); s.wpe = nn.Embedding(T, C); s.blocks = nn.ModuleList(Block() for _ in range(NL)); s.ln = nn.LayerNorm(C)
    def forward(s, idx):
        x = s.wte(idx) + s.wpe(torch.arange(idx.shape[1], device=idx.device))
        for b in s.blocks: x = b(x)
        return s.ln(x) @ s.wte.weight.T
m = GPT().to(dev)
opt = torch.optim.AdamW(m.parameters(), lr=6e-4, weight_decay=0.1)
train = torch.from_numpy(splits["train"].astype(np.int64)).to(dev)
val = torch.from_numpy(splits["val"].astype(np.int64)).to(dev)
def loss_on(rows):
    logits = m(rows[:, :-1])
    return F.cross_entropy(logits.reshape(-1, V), rows[:, 1:].reshape(-1))
@torch.no_grad()
def val_loss():
    m.eval(); l = float(loss_on(val)); m.train(); return l
g = torch.Generator(device="cpu").manual_seed(1)
result["initial_val_loss"] = val_loss()
steps, B = 600, 64
t0 = time.time(); losses = []
for step in range(steps):
    batch = train[torch.randint(0, train.shape[0], (B,), generator=g)]
    with torch.autocast("cuda", dtype=torch.bfloat16):
        loss = loss_on(batch)
    opt.zero_grad(set_to_none=True); loss.backward(); torch.nn.utils.clip_grad_norm_(m.parameters(), 1.0); opt.step()
    if step % 100 == 0 or step == steps - 1: losses.append((step, float(loss)))
torch.cuda.synchronize()
result.update({"device": torch.cuda.get_device_name(0), "torch": torch.__version__, "steps": steps, "batch": B, "train_losses": losses,
               "final_val_loss": val_loss(), "tokens_per_s": steps * B * T / (time.time() - t0)})
print(json.dumps(result))
open(os.path.join(out, "result.json"), "w").write(json.dumps(result, indent=1))
