#!/usr/bin/env bash
# Builds kube-apiserver, kube-controller-manager, kube-scheduler, etcd and metrics-server (for
# `kubectl top` tests) from their Go modules (through the Go module proxy) into a cache outside the
# repository, and fetches the published OpenAPI document of the Kubernetes level CCI serves (1.19),
# which the CCI emulator prunes request bodies to (test/env/emulator/k8s-119-schema.ts).
# Rebuilds or refetches only what is missing.
# A lock keeps two runs from building at once. Prints the bin directory on its last line.
#
# Why a wrapper module: k8s.io/kubernetes requires its staging modules at v0.0.0 and replaces them
# with ./staging paths, so `go install k8s.io/kubernetes/cmd/...@vX` cannot work. The wrapper's
# go.mod replaces every staging module with its published v0.M.P, derived from that version's go.mod.
set -euo pipefail

K8S_VERSION="${VKCTL_K8S_VERSION:-1.33.13}"
ETCD_VERSION="${VKCTL_ETCD_VERSION:-3.6.16}"
METRICS_SERVER_VERSION="${VKCTL_METRICS_SERVER_VERSION:-0.8.0}"
# "The CCI API corresponds to Kubernetes 1.19" (../shared/reference/huawei-cloud-2.md §1); only its
# api/openapi-spec/swagger.json is used, nothing is built from it.
CCI_K8S_VERSION="${VKCTL_CCI_K8S_VERSION:-1.19.16}"
CACHE="${VKCTL_CACHE_DIR:-$HOME/.cache/vkctl}"
STAGING="v0.${K8S_VERSION#1.}"
MINOR="$(echo "$K8S_VERSION" | cut -d. -f2)"
BIN="$CACHE/control-plane/k8s-$K8S_VERSION-etcd-$ETCD_VERSION/bin"
WORK="$CACHE/control-plane/build"
SWAGGER="$CACHE/k8s-openapi/v$CCI_K8S_VERSION/swagger.json"
export GOTOOLCHAIN=local GOFLAGS=-mod=mod CGO_ENABLED=0

have_all() {
  for b in kube-apiserver kube-controller-manager kube-scheduler etcd metrics-server; do [ -x "$BIN/$b" ] || return 1; done
}

mkdir -p "$CACHE/control-plane"
exec 9>"$CACHE/control-plane/build.lock"
flock 9
if have_all && [ -f "$SWAGGER" ]; then echo "$BIN"; exit 0; fi
command -v go >/dev/null || { echo "build-control-plane: Go is required (https://go.dev/dl); none on PATH" >&2; exit 1; }

if ! [ -f "$SWAGGER" ]; then
  # Outside any module (the build dir has no go.mod), so the download touches no go.mod or go.sum.
  mkdir -p "$WORK" "$(dirname "$SWAGGER")"
  KDIR="$(cd "$WORK" && go mod download -json "k8s.io/kubernetes@v$CCI_K8S_VERSION" | sed -n 's/.*"Dir": "\(.*\)".*/\1/p')"
  [ -f "$KDIR/api/openapi-spec/swagger.json" ] || {
    echo "build-control-plane: no api/openapi-spec/swagger.json in k8s.io/kubernetes@v$CCI_K8S_VERSION" >&2; exit 1; }
  # Copied under a temporary name and renamed, so a reader never sees half a file; the module cache's
  # copy is read-only, the cached one need not be.
  cp "$KDIR/api/openapi-spec/swagger.json" "$SWAGGER.tmp"
  chmod 644 "$SWAGGER.tmp"
  mv "$SWAGGER.tmp" "$SWAGGER"
  echo "build-control-plane: fetched the Kubernetes v$CCI_K8S_VERSION OpenAPI document to $SWAGGER" >&2
fi
if have_all; then echo "$BIN"; exit 0; fi

mkdir -p "$BIN" "$WORK/kube-$K8S_VERSION" "$WORK/etcd-$ETCD_VERSION"
start=$(date +%s)

if ! [ -x "$BIN/kube-apiserver" ] || ! [ -x "$BIN/kube-controller-manager" ] || ! [ -x "$BIN/kube-scheduler" ]; then
  cd "$WORK/kube-$K8S_VERSION"
  [ -f go.mod ] || go mod init vkctl.invalid/kubebin >/dev/null 2>&1
  KMOD="$(go mod download -json "k8s.io/kubernetes@v$K8S_VERSION" | sed -n 's/.*"GoMod": "\(.*\)".*/\1/p')"
  [ -f "$KMOD" ] || { echo "build-control-plane: could not download k8s.io/kubernetes@v$K8S_VERSION go.mod" >&2; exit 1; }
  for m in $(sed -n 's#^[[:space:]]*\(k8s\.io/[A-Za-z0-9._-]*\) => \./staging/src/.*#\1#p' "$KMOD"); do
    go mod edit -replace="$m=$m@$STAGING"
  done
  GD="$(sed -n 's/^godebug \(default=go[0-9.]*\)$/\1/p' "$KMOD")"
  [ -z "$GD" ] || go mod edit -godebug="$GD"
  go get "k8s.io/kubernetes@v$K8S_VERSION"
  LDF="-s -w -X k8s.io/component-base/version.gitVersion=v$K8S_VERSION -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=$MINOR -X k8s.io/component-base/version.gitTreeState=clean"
  go build -p 2 -trimpath -ldflags "$LDF" -o "$BIN/" \
    k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kube-scheduler k8s.io/kubernetes/cmd/kube-controller-manager
fi

if ! [ -x "$BIN/etcd" ]; then
  cd "$WORK/etcd-$ETCD_VERSION"
  [ -f go.mod ] || go mod init vkctl.invalid/etcdbin >/dev/null 2>&1
  go get "go.etcd.io/etcd/server/v3@v$ETCD_VERSION"
  go build -p 2 -trimpath -ldflags "-s -w" -o "$BIN/etcd" go.etcd.io/etcd/server/v3
fi

if ! [ -x "$BIN/metrics-server" ]; then
  mkdir -p "$WORK/metrics-server-$METRICS_SERVER_VERSION"
  cd "$WORK/metrics-server-$METRICS_SERVER_VERSION"
  [ -f go.mod ] || go mod init vkctl.invalid/metricsserverbin >/dev/null 2>&1
  go get "sigs.k8s.io/metrics-server@v$METRICS_SERVER_VERSION"
  go build -p 2 -trimpath -ldflags "-s -w" -o "$BIN/metrics-server" sigs.k8s.io/metrics-server/cmd/metrics-server
fi

echo "build-control-plane: built in $(( $(date +%s) - start ))s" >&2
"$BIN/kube-apiserver" --version >&2
echo "$BIN"
