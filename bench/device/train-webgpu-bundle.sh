#!/usr/bin/env bash
# Packs `kiln train --backend webgpu` for the lent GPU machine (no Node there): this machine's node
# (xz), Dawn's dawn.node from the `webgpu` package (xz), an esbuild bundle of kiln's CLI (webgpu
# kept external: it loads dawn.node by path), uPlot for report.html, Debian's libvulkan1 .deb (the
# machine may have no Vulkan loader), tiny-shakespeare shards (GPT-2 tokens, seq 128 and 1024) and
# the PyTorch peer. ~35 MB, under the 64 MiB a device call carries. Then, in one call:
#   run(command='bash bench/device/train-webgpu.sh', carry=['.device-bundle-webgpu'], timeout_s=600)
set -euo pipefail
cd "$(dirname "$0")/../.."
npx tsc -p .
B=.device-bundle-webgpu          # in .gitignore: a device call carries it by name
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
rm -rf "$B" && mkdir -p "$B" "$stage/kiln/node_modules/webgpu/dist/linux-x64" "$stage/kiln/node_modules/uplot"
npx esbuild dist/cli/bin.js --bundle --platform=node --format=esm --target=node20 --log-level=warning \
  --outfile="$stage/kiln/kiln.mjs" --external:webgpu --external:@tensorflow/tfjs-node --external:@tensorflow/tfjs-node-gpu \
  --banner:js="import { createRequire as __kilnCreateRequire } from 'node:module'; const require = __kilnCreateRequire(import.meta.url);"
# Worker threads are started from files next to the code that starts them
# (new URL('./loader-worker.js', import.meta.url)): bundle each beside kiln.mjs under that name.
for w in train/loader/loader-worker core/task-worker tokenize/encode-worker; do
  npx esbuild "dist/$w.js" --bundle --platform=node --format=esm --target=node20 --log-level=warning \
    --outfile="$stage/kiln/$(basename "$w").js" --external:webgpu --external:@tensorflow/tfjs-node --external:@tensorflow/tfjs-node-gpu \
    --banner:js="import { createRequire as __kilnCreateRequire } from 'node:module'; const require = __kilnCreateRequire(import.meta.url);"
done
echo '{"type":"module"}' > "$stage/kiln/package.json"
cp node_modules/webgpu/{package.json,index.js} "$stage/kiln/node_modules/webgpu/"
cp -r node_modules/uplot/{package.json,dist} "$stage/kiln/node_modules/uplot/"
cp bench/device/train_torch_peer.py "$stage/kiln/"
# Shards made here with kiln itself: the device call then spends its minutes on training.
work=$stage/data
mkdir -p "$work/docs"
python3 - "$work/docs/speeches.jsonl" <<'PY'
import json, re, sys
text = open("../shared/data/text/tinyshakespeare.txt").read()
speeches = [s.strip() for s in re.split(r"\n\s*\n", text) if s.strip()]
with open(sys.argv[1], "w") as f:
    for i, s in enumerate(speeches):
        f.write(json.dumps({"id": f"tinyshakespeare-{i}", "text": s}) + "\n")
PY
KILN_LOG=silent node dist/cli/bin.js tokenize --in "$work/docs" --out "$work/tokens" --tokenizer gpt2 --json > /dev/null
for T in 128 1024; do
  KILN_LOG=silent node dist/cli/bin.js shard --in "$work/tokens" --out "$stage/kiln/shards-$T" --seq-len "$T" --val-fraction 0.1 --seed 0 --json > /dev/null
done
tar -C "$stage" -cJf "$B/kiln.tar.xz" kiln
# xz -9 of node takes minutes on a loaded 2-core machine: cached per node version.
cache=${XDG_CACHE_HOME:-$HOME/.cache}/kiln-device
mkdir -p "$cache"
node_xz=$cache/node-$(node --version)-$(uname -m).xz
[ -s "$node_xz" ] || { xz -T0 -9 -c "$(command -v node)" > "$node_xz.tmp" && mv "$node_xz.tmp" "$node_xz"; }
cp "$node_xz" "$B/node.xz"
xz -T0 -9 -c node_modules/webgpu/dist/linux-x64/dawn.node > "$B/dawn.node.xz"
(cd "$B" && apt-get download -qq libvulkan1 2>/dev/null) || echo "note: libvulkan1 .deb not downloaded; the device must have a Vulkan loader" >&2
du -sh "$B"/*
