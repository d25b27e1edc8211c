#!/usr/bin/env bash
# A software Vulkan adapter that Dawn (the `webgpu` npm package) accepts, for the WebGPU trainer's
# tests on machines without a GPU: Mesa's lavapipe from Debian 13 (trixie). Bookworm's lavapipe
# (Mesa 22.3) is rejected by Dawn (it lacks shaderUniform*ArrayDynamicIndexing), and trixie's
# needs trixie's glibc, so nothing is installed system-wide: apt, pointed at a private sources list
# and state dir, downloads the .debs of mesa-vulkan-drivers + libvulkan1 and their dependencies,
# `dpkg -x` unpacks them into a private root, and node is started through that root's own loader.
#
# Usage:  bash .ci/lavapipe.sh [DIR]     # default DIR: $KILN_LAVAPIPE_DIR or ~/.cache/kiln-lavapipe
# Prints the path of DIR/node-lavapipe, a drop-in for `node` that sees lavapipe as its only Vulkan
# adapter:  "$(bash .ci/lavapipe.sh)" dist/cli/main.js train --backend webgpu ...
# A second run reuses DIR (about 60 MB; the first run downloads ~40 MB and takes ~30 s).
set -euo pipefail
DIR=$(mkdir -p "${1:-${KILN_LAVAPIPE_DIR:-$HOME/.cache/kiln-lavapipe}}" && cd "${1:-${KILN_LAVAPIPE_DIR:-$HOME/.cache/kiln-lavapipe}}" && pwd)
ROOT=$DIR/root
LIB=$ROOT/usr/lib/x86_64-linux-gnu
LAUNCHER=$DIR/node-lavapipe
say() { echo "lavapipe: $*" >&2; }

if [ "$(uname -m)" != x86_64 ]; then say "only x86_64 is supported (got $(uname -m))"; exit 1; fi
if [ ! -f "$DIR/.done" ]; then
  rm -rf "$DIR/apt" "$ROOT"
  mkdir -p "$DIR/apt/state/lists/partial" "$DIR/apt/cache/archives/partial" "$ROOT"
  touch "$DIR/apt/state/status"
  # Signed by the Debian archive keys the host already trusts (bookworm's keyring holds trixie's key).
  echo 'deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian trixie main' > "$DIR/apt/sources.list"
  apt_opts=(-o "Dir::State=$DIR/apt/state" -o "Dir::State::status=$DIR/apt/state/status"
    -o "Dir::Etc::sourcelist=$DIR/apt/sources.list" -o Dir::Etc::sourceparts=- -o "Dir::Cache=$DIR/apt/cache"
    -o Debug::NoLocking=1 -o APT::Architecture=amd64 -o APT::Sandbox::User=root)
  say "apt-get update (trixie, private state in $DIR/apt)"
  apt-get "${apt_opts[@]}" -qq update
  # The dependency closure, not a hand list: 36 packages as of trixie 13.x (libc6, libllvm19, ...).
  mapfile -t pkgs < <(apt-cache "${apt_opts[@]}" depends --recurse --no-recommends --no-suggests \
    --no-conflicts --no-breaks --no-replaces --no-enhances mesa-vulkan-drivers libvulkan1 | grep -v '^[ <]' | sort -u)
  say "downloading ${#pkgs[@]} packages"
  (cd "$DIR/apt/cache/archives" && apt-get "${apt_opts[@]}" -qq download "${pkgs[@]}")
  for deb in "$DIR"/apt/cache/archives/*.deb; do dpkg -x "$deb" "$ROOT"; done
  [ -f "$LIB/libvulkan_lvp.so" ] || { say "libvulkan_lvp.so missing after unpacking"; exit 1; }
  cat > "$DIR/lvp_icd.json" <<EOF
{ "file_format_version": "1.0.1", "ICD": { "library_path": "$LIB/libvulkan_lvp.so", "api_version": "1.4.305" } }
EOF
  # The node that runs under the launcher is resolved when it runs: KILN_NODE, else `node` on PATH.
  cat > "$LAUNCHER" <<EOF
#!/bin/sh
# node with trixie's glibc and lavapipe as the only Vulkan ICD (made by .ci/lavapipe.sh).
export VK_ICD_FILENAMES="$DIR/lvp_icd.json" VK_DRIVER_FILES="$DIR/lvp_icd.json"
exec "$ROOT/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2" --library-path "$LIB" "\${KILN_NODE:-\$(command -v node)}" "\$@"
EOF
  chmod +x "$LAUNCHER"
  rm -rf "$DIR/apt/cache/archives" "$DIR/apt/state/lists" "$ROOT/usr/share/doc" "$ROOT/usr/share/locale" "$ROOT/usr/share/man"
  touch "$DIR/.done"
fi
"$LAUNCHER" -e 'process.exit(0)' || { say "the launcher does not start node"; exit 1; }
echo "$LAUNCHER"
