#!/usr/bin/env bash
# Lays out the runtime image's root filesystem in ROOTFS from Debian packages, this machine's
# Node.js binary and the bundled program (bundle.mjs's APPDIR):
#   bash scripts/image/rootfs.sh ROOTFS APPDIR
# The same script makes the root in the Dockerfile's build stage and in `npm run image` (build.sh),
# so both images have one layout. Needs node, apt-get, dpkg, dpkg-deb and ldd (a Debian machine).
#
# What is in the root, and why only that (distroless-style, like gcr.io/distroless/nodejs20-debian12):
#   /usr/bin/node                the Node.js running this script (must be 20 or newer: package.json's
#                                engines). Debian 12 packages Node.js 18 only, so node does not come
#                                from Debian's archive; on this project's machines it is NodeSource's
#                                build, in the Dockerfile the node:20 image's (both link only glibc
#                                and libstdc++, with OpenSSL and ICU built in).
#   shared libraries             the Debian packages that hold what `ldd node` lists, with their
#                                Depends (apt-cache depends): libc6, libgcc-s1, libstdc++6, gcc-12-base;
#                                only their *.so files, ld.so.conf.d and copyright files are kept.
#   /etc/ssl/certs/ca-certificates.crt  from Debian's ca-certificates (the Mozilla set), for tools
#                                and NODE_EXTRA_CA_CERTS users; node's own HTTPS uses its built-in
#                                copy of the same Mozilla set, so Huawei Cloud endpoints verify either way.
#   /app, /usr/local/bin/vkctl   the program; vkctl is a link to it so that exec'ing "vkctl" (the
#                                proxy's postStart hook, the runtime's `vkctl proxy stop`) works.
#   /etc/passwd, group, nsswitch.conf, hosts; /tmp (1777); /home/nonroot (65532).
#   /var/lib/dpkg/status.d/PKG   each Debian package's control fields, where image scanners (trivy,
#                                grype) look for packages in a root without dpkg.
# No shell, no coreutils, no apt or dpkg: nothing in /bin, /sbin or /usr/bin but node.
set -euo pipefail
export LC_ALL=C

ROOTFS=$(realpath -m "${1:?usage: rootfs.sh ROOTFS APPDIR}")
# It is emptied first: never a system directory by mistake.
if [[ $(tr -cd / <<<"$ROOTFS") == / ]]; then
  echo "image: refusing to lay out a root in $ROOTFS (give a directory of its own)" >&2
  exit 2
fi
APPDIR=${2:?usage: rootfs.sh ROOTFS APPDIR}
DEB_CACHE=${VKCTL_IMAGE_DEB_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/vkctl/image-debs}
NODE=$(readlink -f "$(command -v node)")
# File times in the layer: fixed, so the same inputs give the same layer digest.
EPOCH=${SOURCE_DATE_EPOCH:-0}

node_major=$("$NODE" -p 'process.versions.node.split(".")[0]')
if ((node_major < 20)); then
  echo "image: node $("$NODE" --version) is too old for the image (package.json engines: >=20)" >&2
  exit 1
fi

# The packages that provide node's shared libraries. dpkg records the paths it installed, which on a
# merged-/usr system may be /lib/... while ldd says /usr/lib/... (or the other way round).
owner() {
  local path=$1 found
  for candidate in "$path" "${path#/usr}" "/usr$path"; do
    found=$(dpkg-query -S "$candidate" 2>/dev/null | head -n1 | cut -d: -f1)
    if [[ -n $found ]]; then
      echo "$found"
      return 0
    fi
  done
  echo "image: no Debian package holds $path (needed by $NODE)" >&2
  return 1
}
libs=()
while read -r lib; do libs+=("$(owner "$lib")"); done < <(ldd "$NODE" | grep -o '/[^ ]*' | sort -u)
mapfile -t lib_packages < <(
  apt-cache depends --recurse --no-recommends --no-suggests --no-conflicts --no-breaks \
    --no-replaces --no-enhances --no-pre-depends "${libs[@]}" | grep -v '^ ' | sort -u
)
# ca-certificates alone: its Depends (openssl, debconf) only serve its update script.
packages=("${lib_packages[@]}" ca-certificates)

# Download each package's candidate version once into the cache (an update of Debian's archive
# gives a new file name, so a stale .deb is never taken for a new one). The package lists are
# refreshed once if they are missing, or name a version the archive no longer has.
mkdir -p "$DEB_CACHE"
# One apt-cache call for all (each call costs about a second): "package version architecture" lines.
candidates() {
  apt-cache show --no-all-versions "${packages[@]}" 2>/dev/null |
    awk '/^Package: /{p=$2} /^Version: /{v=$2} /^Architecture: /{a=$2} /^$/{if (p) print p, v, a; p=""} END{if (p) print p, v, a}'
}
download() {
  (cd "$DEB_CACHE" && apt-get download -qq -o APT::Sandbox::User=root "$@")
}
fetch_debs() { # sets debs, or fails
  local listed pkg version arch deb missing=()
  listed=$(candidates || true)
  debs=()
  for pkg in "${packages[@]}"; do
    read -r _ version arch < <(grep "^$pkg " <<<"$listed" || echo "$pkg")
    [[ -n ${version:-} ]] || return 1
    deb="$DEB_CACHE/${pkg}_${version//:/%3a}_${arch}.deb"
    [[ -s $deb ]] || missing+=("$pkg=$version")
    debs+=("$deb")
  done
  ((${#missing[@]} == 0)) || download "${missing[@]}"
}
if ! fetch_debs; then
  apt-get update -qq
  fetch_debs || {
    echo "image: cannot download the Debian packages ${packages[*]}" >&2
    exit 1
  }
fi

rm -rf "$ROOTFS"
mkdir -p "$ROOTFS"
mkdir -p "$ROOTFS/var/lib/dpkg/status.d"
for deb in "${debs[@]}"; do
  dpkg-deb -x "$deb" "$ROOTFS"
  pkg=$(dpkg-deb -f "$deb" Package)
  dpkg-deb -f "$deb" Package Source Version Architecture Maintainer Installed-Size Depends Homepage \
    >"$ROOTFS/var/lib/dpkg/status.d/$pkg"
done

# The CA bundle, as update-ca-certificates would make it from the default (all Mozilla) selection.
mkdir -p "$ROOTFS/etc/ssl/certs"
find "$ROOTFS/usr/share/ca-certificates" -name '*.crt' -print0 | sort -z | xargs -0 cat \
  >"$ROOTFS/etc/ssl/certs/ca-certificates.crt"

# Keep only what a program needs at run time: shared libraries, the loader's config, the CA bundle,
# licences. Programs (ldconfig, iconv, update-ca-certificates...), gconv modules, locales, manuals,
# changelogs and gdb's libstdc++ printers go.
rm -rf "${ROOTFS:?}"/{bin,sbin,usr/bin,usr/sbin,usr/libexec} "$ROOTFS"/usr/lib/*/gconv \
  "$ROOTFS"/usr/share/{ca-certificates,locale,man,info,lintian,bug,gcc,gdb} "$ROOTFS"/etc/ca-certificates* \
  "$ROOTFS"/usr/lib/*/audit
find "$ROOTFS/usr/share/doc" -mindepth 1 \( -type f -o -type l \) ! -name copyright -delete
find "$ROOTFS/usr/share/doc" -mindepth 1 -type d -empty -delete

# Node.js and its licence.
install -D -m 0755 "$NODE" "$ROOTFS/usr/bin/node"
node_license=$(dirname "$NODE")/../share/doc/node/LICENSE
for license in /usr/share/doc/nodejs/copyright "$node_license"; do
  if [[ -f $license ]]; then
    install -D -m 0644 "$license" "$ROOTFS/usr/share/doc/nodejs/copyright"
    break
  fi
done

# The program, read-only for everyone, and `vkctl` on PATH.
mkdir -p "$ROOTFS/app" "$ROOTFS/usr/local/bin"
cp -a "$APPDIR/." "$ROOTFS/app/"
chmod -R a+rX,go-w "$ROOTFS/app"
ln -s /app/vkctl.mjs "$ROOTFS/usr/local/bin/vkctl"

# Users: root and nonroot (65532, as distroless names it); no login shell exists.
cat >"$ROOTFS/etc/passwd" <<'EOF'
root:x:0:0:root:/root:/sbin/nologin
nonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin
EOF
cat >"$ROOTFS/etc/group" <<'EOF'
root:x:0:
nonroot:x:65532:
EOF
printf 'passwd: files\ngroup: files\nhosts: files dns\n' >"$ROOTFS/etc/nsswitch.conf"
# Kubernetes mounts its own /etc/hosts; this one serves `docker run` and the tests' chroot.
printf '127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n' >"$ROOTFS/etc/hosts"
mkdir -p "$ROOTFS/tmp" "$ROOTFS/root" "$ROOTFS/home/nonroot"
chmod 1777 "$ROOTFS/tmp"
chmod 0700 "$ROOTFS/root" "$ROOTFS/home/nonroot"
chown 65532:65532 "$ROOTFS/home/nonroot"

# Nothing to run a command with: the image has no shell, and nothing that could install one.
for forbidden in bin/sh bin/bash usr/bin/sh usr/bin/apt-get usr/bin/dpkg; do
  if [[ -e $ROOTFS/$forbidden || -L $ROOTFS/$forbidden ]]; then
    echo "image: $forbidden is in the root" >&2
    exit 1
  fi
done

# Every library node loads is in the root (where the loader looks: /lib or /usr/lib, as ldd says).
while read -r lib; do
  if [[ ! -e $ROOTFS$lib && ! -e $ROOTFS${lib#/usr} && ! -e $ROOTFS/usr$lib ]]; then
    echo "image: $lib, which node needs, is not in the root" >&2
    exit 1
  fi
done < <(ldd "$NODE" | grep -o '/[^ ]*' | sort -u)

find "$ROOTFS" -exec touch -h -d "@$EPOCH" {} +
echo "rootfs: $(du -sh "$ROOTFS" | cut -f1) in $ROOTFS; node $("$NODE" --version); debs: ${packages[*]}"
