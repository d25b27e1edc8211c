#!/usr/bin/env bash
# kiln's WebGPU trainer vs PyTorch eager fp32 (TF32 off) on the lent GPU machine, one call (≤ 10 min).
# Prepare here:  bash bench/device/train-webgpu-bundle.sh
# Then:          run(command='bash bench/device/train-webgpu.sh', carry=['.device-bundle-webgpu'], timeout_s=600)
# For each model (gpt-mini at seq 128; gpt2-124m at seq 1024), on the same shards, batch, steps and
# seed: kiln train --backend webgpu and the nanoGPT-style peer (train_torch_peer.py), order
# alternated between models, nvidia-smi sampling utilisation every 200 ms during each. Prints and
# writes to $OUT/train-webgpu.txt: tokens/s of both, the ratio, MFU, GPU utilisation, kiln's
# data-wait share, and both losses after the same steps (mean of the last 5).
# Env (a check off the GPU machine): KILN_NODE_LAUNCHER (e.g. .ci/lavapipe.sh's node-lavapipe),
# MINI_STEPS=60, MINI_BATCH=16 (4 on lavapipe: its 128 MiB binding limit), BIG_STEPS=30, BIG_BATCH=4, MODELS="gpt-mini gpt2-124m", SKIP_TORCH=1, SKIP_SMI=1.
set -euo pipefail
bundle=$(pwd)/.device-bundle-webgpu
work=${TMPDIR:-/tmp}/kiln-webgpu-device
out=${OUT:-$work/out}
MINI_STEPS=${MINI_STEPS:-60} MINI_BATCH=${MINI_BATCH:-16} BIG_STEPS=${BIG_STEPS:-30} BIG_BATCH=${BIG_BATCH:-4}
MODELS=${MODELS:-gpt-mini gpt2-124m}
rm -rf "$work" && mkdir -p "$work/bin" "$work/vulkan" "$out"
T0=$SECONDS
say() { echo "[$((SECONDS - T0))s] $*" | tee -a "$out/train-webgpu.txt" >&2; }

# Unpack with Python (the machine may lack xz and dpkg): node, kiln, dawn.node, libvulkan1.
python3 - "$bundle" "$work" <<'PY'
import glob, io, lzma, os, shutil, sys, tarfile
bundle, work = sys.argv[1], sys.argv[2]
def unxz(src, dst, mode):
    with lzma.open(src) as s, open(dst, "wb") as d:
        shutil.copyfileobj(s, d)
    os.chmod(dst, mode)
unxz(f"{bundle}/node.xz", f"{work}/bin/node", 0o755)
with tarfile.open(f"{bundle}/kiln.tar.xz") as t:
    t.extractall(work)
unxz(f"{bundle}/dawn.node.xz", f"{work}/kiln/node_modules/webgpu/dist/linux-x64/dawn.node", 0o755)
for deb in glob.glob(f"{bundle}/libvulkan1_*.deb"):
    data = open(deb, "rb").read()
    pos = 8  # ar archive: 60-byte headers, members padded to even sizes
    while pos < len(data):
        name, size = data[pos:pos + 16].decode().strip(), int(data[pos + 48:pos + 58])
        body = data[pos + 60:pos + 60 + size]
        if name.startswith("data.tar"):
            with tarfile.open(fileobj=io.BytesIO(body)) as t:
                t.extractall(f"{work}/vulkan")
        pos += 60 + size + (size & 1)
PY
export PATH="$work/bin:$PATH"
if ! ldconfig -p 2>/dev/null | grep -q 'libvulkan\.so\.1'; then
  export LD_LIBRARY_PATH="$work/vulkan/usr/lib/x86_64-linux-gnu${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
fi
ICD=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
if [ -f "$ICD" ] && [ -z "${VK_DRIVER_FILES:-}" ]; then export VK_DRIVER_FILES=$ICD; fi
NODE=(${KILN_NODE_LAUNCHER:-node})
cd "$work/kiln"
say "node $("${NODE[@]}" --version), $(nvidia-smi --query-gpu=name,driver_version --format=csv,noheader 2>/dev/null || echo 'no nvidia-smi'), VK_DRIVER_FILES=${VK_DRIVER_FILES:-unset}"
python3 -c 'import torch; print("torch", torch.__version__, "cuda", torch.cuda.is_available())' 2>&1 | tee -a "$out/train-webgpu.txt" || true

smi_pid=
smi_start() { [ -n "${SKIP_SMI:-}" ] && return 0; nvidia-smi --query-gpu=utilization.gpu --format=csv,noheader,nounits -lms 200 > "$out/smi-$1.csv" 2>/dev/null & smi_pid=$!; }
smi_stop() { if [ -n "$smi_pid" ]; then kill "$smi_pid" 2>/dev/null || true; wait "$smi_pid" 2>/dev/null || true; smi_pid=; fi; }
trap smi_stop EXIT

run_kiln() {  # model shards batch steps
  say "kiln train --backend webgpu --model $1 (batch $3, $4 steps)"
  smi_start "kiln-$1"
  KILN_LOG=silent timeout 280 "${NODE[@]}" kiln.mjs train --data "shards-$2" --out "runs/$1" --model "$1" --backend webgpu \
    --batch-size "$3" --steps "$4" --eval-every 0 --eval-batches 2 --checkpoint-every 0 --seed 1337 --json > "$out/kiln-$1.json" \
    || { say "kiln $1 failed (exit $?)"; failed=$((failed + 1)); }
  smi_stop
  cp "runs/$1/metrics.jsonl" "$out/kiln-$1.metrics.jsonl" 2>/dev/null || true
}
run_torch() {
  [ -n "${SKIP_TORCH:-}" ] && return 0
  say "torch peer --model $1 (batch $3, $4 steps)"
  smi_start "torch-$1"
  timeout 200 python3 train_torch_peer.py --shards "shards-$2" --model "$1" --batch-size "$3" --steps "$4" --seed 1337 > "$out/torch-$1.json" \
    || { say "torch $1 failed (exit $?)"; failed=$((failed + 1)); }
  smi_stop
}
i=0
failed=0  # a failed run is reported and the others still run; the script then exits 1
for model in $MODELS; do
  if [ "$model" = gpt-mini ]; then args=(128 "$MINI_BATCH" "$MINI_STEPS"); else args=(1024 "$BIG_BATCH" "$BIG_STEPS"); fi
  # Alternated: kiln first for the first model, the peer first for the next.
  if (( i % 2 == 0 )); then run_kiln "$model" "${args[@]}"; run_torch "$model" "${args[@]}"; else run_torch "$model" "${args[@]}"; run_kiln "$model" "${args[@]}"; fi
  i=$((i + 1))
done

python3 - "$out" $MODELS <<'PY' | tee -a "$out/train-webgpu.txt"
import json, os, sys
out, models = sys.argv[1], sys.argv[2:]
def load(p):
    try:
        return json.load(open(p))
    except Exception:
        return None
def util(name):
    try:
        xs = [float(l) for l in open(os.path.join(out, f"smi-{name}.csv")) if l.strip()]
    except Exception:
        return None
    xs = xs[len(xs) // 5:]  # the first fifth is start-up (shader compiles, CUDA init)
    return sum(xs) / len(xs) if xs else None
def fmt(x, f="{:.3f}"):
    return "n/a" if x is None else f.format(x)
for m in models:
    k, t = load(f"{out}/kiln-{m}.json"), load(f"{out}/torch-{m}.json")
    kl = []
    try:
        kl = [json.loads(l)["loss"] for l in open(f"{out}/kiln-{m}.metrics.jsonl") if '"loss"' in l]
    except Exception:
        pass
    ktps = k["tokens_per_s"] if k else None
    ttps = t["tokens_per_s"] if t else None
    kloss = sum(kl[-5:]) / len(kl[-5:]) if kl else None
    tloss = t["loss_last5"] if t else None
    print(f"== {m}: params {k['params'] if k else 'n/a'}, adapter {json.dumps(k['adapter']) if k else 'n/a'}")
    print(f"   kiln webgpu  tokens/s {fmt(ktps, '{:.0f}')}  MFU {fmt(k and k['mfu'], '{:.4f}')}  GPU util {fmt(util('kiln-' + m), '{:.0f}')}%  data-wait {fmt(k and 100 * k['data_wait_share'], '{:.3f}')}%  loss(last 5) {fmt(kloss)}")
    print(f"   torch fp32   tokens/s {fmt(ttps, '{:.0f}')}  MFU {fmt(t and t.get('mfu'), '{:.4f}')}  GPU util {fmt(util('torch-' + m), '{:.0f}')}%  loss(last 5) {fmt(tloss)}")
    if ktps and ttps:
        print(f"   ratio kiln/torch tokens/s {ktps / ttps:.3f}" + (f"   loss diff {abs(kloss - tloss) / tloss * 100:.2f}%" if kloss and tloss else ""))
PY
if (( failed > 0 )); then say "$failed run(s) failed"; exit 1; fi
