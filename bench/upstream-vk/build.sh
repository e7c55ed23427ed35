#!/usr/bin/env bash
# Builds bench/upstream-vk (virtual-kubelet's library with the benchmark's in-memory provider) into
# the cache, outside the repository. Rebuilds only when the binary is missing or main.go changed.
# Prints the binary's path on its last line.
set -euo pipefail
VK_VERSION="${VKCTL_UPSTREAM_VK_VERSION:-1.14.1}"
CACHE="${VKCTL_CACHE_DIR:-$HOME/.cache/vkctl}"
HERE="$(cd "$(dirname "$0")" && pwd)"
SUM="$(sha256sum "$HERE/main.go" | cut -c1-12)"
OUT="$CACHE/upstream-vk/vk-$VK_VERSION-$SUM"
WORK="$CACHE/upstream-vk/build-$VK_VERSION"
export GOTOOLCHAIN=local GOFLAGS=-mod=mod CGO_ENABLED=0
if [ -x "$OUT" ]; then echo "$OUT"; exit 0; fi
command -v go >/dev/null || { echo "upstream-vk: Go is required; none on PATH" >&2; exit 1; }
mkdir -p "$WORK"
cp "$HERE/main.go" "$WORK/main.go"
cd "$WORK"
[ -f go.mod ] || go mod init vkctl.invalid/upstreamvk >/dev/null 2>&1
go get "github.com/virtual-kubelet/virtual-kubelet@v$VK_VERSION" >&2
go mod tidy >&2
go build -p 2 -trimpath -ldflags "-s -w" -o "$OUT" . >&2
echo "$OUT"
