#!/usr/bin/env bash
# Builds and imports a stand-in for the Dockerfile's public base image
# (python:3.13-slim-trixie) on machines that cannot pull from a registry:
# Debian trixie, whose python3 is 3.13, made with debootstrap from Debian's
# package mirror. Prints the image name. Idempotent.
set -euo pipefail
SUITE=trixie
PYTHON=3.13
IMAGE="xpto-standin/python:${PYTHON}-${SUITE}"
MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
root=$(cd "$(dirname "$0")/.." && pwd)
cache="$root/.cache/standin"

if docker image inspect "$IMAGE" >/dev/null 2>&1; then
  echo "$IMAGE"
  exit 0
fi
tarball="$cache/$SUITE-python$PYTHON.tar"
if [ ! -s "$tarball" ]; then
  echo "building the stand-in base image with debootstrap ($SUITE, about 3 minutes the first time)" >&2
  mkdir -p "$cache"
  rootfs=$(mktemp -d "$cache/rootfs.XXXXXX")
  trap 'rm -rf "$rootfs"' EXIT
  debootstrap --variant=minbase --include=python3,python3-venv,ca-certificates \
    "$SUITE" "$rootfs" "$MIRROR" >"$cache/debootstrap.log" 2>&1 ||
    { tail -20 "$cache/debootstrap.log" >&2; exit 1; }
  actual=$(chroot "$rootfs" python3 -c 'import sys; print("%d.%d" % sys.version_info[:2])')
  [ "$actual" = "$PYTHON" ] || { echo "$SUITE ships Python $actual, not $PYTHON" >&2; exit 1; }
  # Trust what this machine trusts (its egress may present its own CA), and let
  # pip use that bundle rather than its vendored one. Test-only: the public
  # base image and so the real image carry no such change.
  cp /etc/ssl/certs/ca-certificates.crt "$rootfs/etc/ssl/certs/ca-certificates.crt"
  printf '[global]\ncert = /etc/ssl/certs/ca-certificates.crt\n' >"$rootfs/etc/pip.conf"
  rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/*
  tar -C "$rootfs" --numeric-owner -cf "$tarball.tmp" .
  mv "$tarball.tmp" "$tarball"
fi
docker import --change 'CMD ["python3"]' --change 'ENV LANG=C.UTF-8' "$tarball" "$IMAGE" >/dev/null
echo "$IMAGE"
