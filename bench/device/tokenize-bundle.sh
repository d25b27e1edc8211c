#!/usr/bin/env bash
# Packs `kiln tokenize` and bench/tokenize for the lent GPU machine, which has 16 cores and
# Python but no Node: this machine's node binary (xz), dist/, the runtime packages the bench
# loads, and the two shared texts its corpus is cut from. ~45 MB, under the 64 MiB a device
# call carries. Then, in one call:
#   run(command='bash bench/device/tokenize-bench.sh', carry=['.device-bundle'], timeout_s=420)
set -euo pipefail
cd "$(dirname "$0")/../.."
npx tsc -p .
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage/main/node_modules/apache-arrow" "$stage/main/node_modules/parquet-wasm" "$stage/main/node_modules/gpt-tokenizer" "$stage/shared/data"
cp -r package.json dist "$stage/main/"
for pkg in commander zod fzstd xxhash-wasm hyparquet hyparquet-compressors; do cp -r "node_modules/$pkg" "$stage/main/node_modules/"; done
# Only the parts of the big packages that kiln loads: Arrow's single-file build, parquet-wasm's
# node build, gpt-tokenizer's rank files and encoders.
cp node_modules/apache-arrow/{package.json,Arrow.esnext.min.js} "$stage/main/node_modules/apache-arrow/"
cp -r node_modules/parquet-wasm/{package.json,node} "$stage/main/node_modules/parquet-wasm/"
cp -r node_modules/gpt-tokenizer/{package.json,cjs,esm} "$stage/main/node_modules/gpt-tokenizer/"
cp -r ../shared/data/text "$stage/shared/data/"
# .device-bundle/ is in .gitignore: a device call carries it by name.
rm -rf .device-bundle && mkdir .device-bundle
xz -T0 -6 -c "$(command -v node)" > .device-bundle/node.xz
tar -C "$stage" -cJf .device-bundle/kiln.tar.xz main shared
du -sh .device-bundle/*
