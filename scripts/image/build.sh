#!/usr/bin/env bash
# `npm run image`: builds the runtime image without a container daemon, as an OCI archive:
#   build/image/vkctl-<version>.oci.tar        (reference vkctl/vkctl:<version> inside)
#   build/image/vkctl-<version>.sbom.cdx.json  (CycloneDX: npm production deps, node, Debian packages)
# It is the image the Dockerfile describes: the same bundle (bundle.mjs) in the same root
# (rootfs.sh), with the same config (entrypoint, user, env, labels below and in the Dockerfile).
#
#   bash scripts/image/build.sh [--force]
#
# An archive whose inputs (sources, lock file, these scripts, node's version) have not changed is
# reused, so tests and the sandbox can call this every time; --force rebuilds, and picks up newer
# Debian packages. Needs root or the tools at hand: it apt-get installs umoci (assembles the OCI
# image) and skopeo (writes the archive) when they are missing, as on a fresh CI machine.
set -euo pipefail
export LC_ALL=C

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
FORCE=0
[[ ${1:-} == --force ]] && FORCE=1

VERSION=$(node -p 'require("./package.json").version')
NAME=vkctl/vkctl
OUT=$ROOT/build/image
ARCHIVE=$OUT/vkctl-$VERSION.oci.tar
SBOM=$OUT/vkctl-$VERSION.sbom.cdx.json
STAMP=$OUT/vkctl-$VERSION.inputs
# Working files live outside the checkout: eslint and prettier walk the repo, and the bundle is 8 MB.
WORK=${VKCTL_IMAGE_WORK:-${XDG_CACHE_HOME:-$HOME/.cache}/vkctl/image-work}
mkdir -p "$OUT" "$WORK"

# One build at a time (a test and the sandbox may ask at once); the second then finds it up to date.
exec 9>"$WORK/.lock"
flock 9

# What the image is made of. Debian's package versions are not in it (reading them costs seconds):
# --force takes the archive's newest.
inputs=$(
  {
    find src scripts/image -type f -print0 | sort -z | xargs -0 sha256sum
    sha256sum package.json package-lock.json
    node --version
    uname -m
  } | sha256sum | cut -d' ' -f1
)
if [[ $FORCE == 0 && -s $ARCHIVE && -s $SBOM && "$(cat "$STAMP" 2>/dev/null)" == "$inputs" ]]; then
  echo "image: $ARCHIVE is up to date ($(du -h "$ARCHIVE" | cut -f1))"
  exit 0
fi

# The tools, from Debian's archive when missing.
missing=()
for tool in umoci skopeo apt-get dpkg-deb; do
  command -v "$tool" >/dev/null || missing+=("$tool")
done
if ((${#missing[@]} > 0)); then
  if [[ $(id -u) != 0 ]] || ! command -v apt-get >/dev/null; then
    echo "image: ${missing[*]} missing; install them (Debian: apt-get install umoci skopeo) or run as root" >&2
    exit 1
  fi
  echo "image: installing umoci and skopeo with apt-get"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends umoci skopeo >/dev/null
fi

start=$SECONDS
# Fixed times (file times in the layer, the config's "created"): the same inputs and the same Debian
# packages give the same image digest. The last commit's time, as SOURCE_DATE_EPOCH conventions go.
export SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || echo 0)}
CREATED=$(date -u -d "@$SOURCE_DATE_EPOCH" +%Y-%m-%dT%H:%M:%SZ)
REVISION=$(git rev-parse HEAD 2>/dev/null || echo unknown)
ARCH=$(dpkg --print-architecture)

node scripts/image/bundle.mjs "$WORK/app"
bash scripts/image/rootfs.sh "$WORK/rootfs" "$WORK/app"

# The one layer: a tar of the root made here (sorted, fixed times, numeric owners, no atime/ctime)
# rather than by `umoci insert`, whose 0.4 archives lack tar's end-of-archive blocks.
(
  cd "$WORK/rootfs"
  find . -mindepth 1 -maxdepth 1 -printf '%P\n' | sort |
    tar --sort=name --numeric-owner --format=posix \
      --pax-option=exthdr.name=%d/PaxHeaders/%f,delete=atime,delete=ctime \
      --mtime="@$SOURCE_DATE_EPOCH" -cf "$WORK/layer.tar" -T -
)
LAYOUT=$WORK/oci
rm -rf "$LAYOUT"
umoci init --layout "$LAYOUT"
umoci new --image "$LAYOUT:$VERSION"
umoci raw add-layer --image "$LAYOUT:$VERSION" --history.created "$CREATED" \
  --history.created_by "scripts/image/rootfs.sh (Debian packages, node, the vkctl bundle)" "$WORK/layer.tar"
rm -f "$WORK/layer.tar"
# The config: keep in step with the Dockerfile's final stage.
umoci config --image "$LAYOUT:$VERSION" --created "$CREATED" --history.created "$CREATED" \
  --architecture "$ARCH" --os linux \
  --config.user 65532:65532 \
  --config.entrypoint /usr/bin/node --config.entrypoint /app/vkctl.mjs \
  --config.env PATH=/usr/local/bin:/usr/bin:/bin --config.env NODE_ENV=production \
  --config.workingdir /app \
  --config.exposedports 8443/tcp --config.exposedports 9090/tcp --config.exposedports 10250/tcp \
  --config.label org.opencontainers.image.title=vkctl \
  --config.label "org.opencontainers.image.description=vkctl provider runtime: bursts Kubernetes pods to Huawei Cloud CCI" \
  --config.label "org.opencontainers.image.version=$VERSION" \
  --config.label "org.opencontainers.image.revision=$REVISION" \
  --config.label "org.opencontainers.image.created=$CREATED" \
  --config.label org.opencontainers.image.licenses=Apache-2.0 \
  --config.label "org.opencontainers.image.ref.name=$NAME:$VERSION" \
  --config.label org.opencontainers.image.base.name=scratch
umoci gc --layout "$LAYOUT"

rm -f "$ARCHIVE"
skopeo copy --quiet "oci:$LAYOUT:$VERSION" "oci-archive:$ARCHIVE:$NAME:$VERSION"
DIGEST=$(skopeo inspect --format '{{.Digest}}' "oci-archive:$ARCHIVE")
node scripts/image/sbom.mjs "$WORK/rootfs" "$DIGEST" "$SBOM"
echo "$inputs" >"$STAMP"
echo "image: $ARCHIVE ($(du -h "$ARCHIVE" | cut -f1), $NAME:$VERSION, $DIGEST, $ARCH) in $((SECONDS - start)) s"
