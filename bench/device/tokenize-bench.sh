#!/usr/bin/env bash
# Runs bench/tokenize on the device machine (see tokenize-bundle.sh): unpacks node and kiln with
# Python (the machine may lack xz), then the same command as on the development machine, with
# every core. Results go to $OUT/tokenize-bench.txt.
set -euo pipefail
bundle=$(pwd)/.device-bundle
work=${TMPDIR:-/tmp}/kiln-device
out=${OUT:-$work/out}
rm -rf "$work" && mkdir -p "$work/bin" "$out"
python3 - "$bundle" "$work" <<'PY'
import lzma, shutil, sys, tarfile
bundle, work = sys.argv[1], sys.argv[2]
with lzma.open(f"{bundle}/node.xz") as src, open(f"{work}/bin/node", "wb") as dst:
    shutil.copyfileobj(src, dst)
with tarfile.open(f"{bundle}/kiln.tar.xz") as tar:
    tar.extractall(work)
PY
chmod +x "$work/bin/node"
export PATH="$work/bin:$PATH"
cd "$work/main"
{ echo "cores: $(nproc), node $(node --version), $(uname -m)"; node dist/bench/tokenize/tokenize-vs-gpt-tokenizer.js 25 5; } 2>&1 | tee "$out/tokenize-bench.txt"
