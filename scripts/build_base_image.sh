#!/usr/bin/env bash
# Build a local base image for amlb's framework images from Debian packages, for hosts that
# reach a Debian mirror but no container registry (air-gapped clusters).
#
#   scripts/build_base_image.sh [--force] [--suite SUITE] [TAG]   default TAG: amlb/base:bookworm
#
# The Debian suite fixes the image's Python: bookworm 3.11, bullseye 3.9, trixie 3.13. It is
# --suite, else AMLB_DEBIAN_SUITE, else the TAG's tag when that names a suite
# (amlb/base:bullseye -> bullseye), else bookworm. Map a Python version to the image with
# docker.base_images in the config (e.g. {"3.9": amlb/base:bullseye}).
#
# It runs debootstrap --variant=minbase (python3, python3-venv, ca-certificates, libgomp1) into a
# temporary folder and imports the tree with `docker import`. Select the image with the config
# key docker.base_image (e.g. `-X docker.base_image=amlb/base:bookworm`). The image's Python is
# Debian's (3.11 on bookworm): framework images create their venv with it.
# An existing image with that tag is kept unless --force is given.
# Environment: AMLB_DEBIAN_SUITE, AMLB_DEBIAN_MIRROR (http://deb.debian.org/debian).
# Needs root, debootstrap (apt-get install -y debootstrap) and a running Docker engine.
set -euo pipefail

FORCE=0
TAG="amlb/base:bookworm"
SUITE="${AMLB_DEBIAN_SUITE:-}"
while [[ $# -gt 0 ]]; do
    case "$1" in
        --force) FORCE=1 ;;
        --suite)
            if [[ $# -lt 2 || -z "$2" ]]; then
                echo "build_base_image.sh: --suite needs a Debian suite name (e.g. bullseye)" >&2; exit 2
            fi
            SUITE="$2"; shift ;;
        --suite=*) SUITE="${1#--suite=}" ;;
        -h|--help) sed -n '2,18p' "$0"; exit 0 ;;
        -*) echo "build_base_image.sh: unknown option '$1'" >&2; exit 2 ;;
        *) TAG="$1" ;;
    esac
    shift
done
if [[ -z "$SUITE" ]]; then
    case "${TAG##*:}" in
        buster|bullseye|bookworm|trixie|forky|sid) SUITE="${TAG##*:}" ;;
        *) SUITE=bookworm ;;
    esac
fi
MIRROR="${AMLB_DEBIAN_MIRROR:-http://deb.debian.org/debian}"
PACKAGES="python3,python3-venv,ca-certificates,libgomp1"

if [[ "$FORCE" != 1 ]] && docker image inspect "$TAG" >/dev/null 2>&1; then
    echo "base image $TAG exists: kept (--force rebuilds it)"
    exit 0
fi
if [[ "$(id -u)" != 0 ]]; then
    echo "build_base_image.sh: debootstrap needs root (run it with sudo)" >&2
    exit 1
fi
if ! command -v debootstrap >/dev/null 2>&1; then
    echo "build_base_image.sh: debootstrap is missing: apt-get install -y debootstrap" >&2
    exit 1
fi
if ! docker info >/dev/null 2>&1; then
    echo "build_base_image.sh: no Docker engine answers: start one (scripts/start_dockerd.sh)" >&2
    exit 1
fi

ROOTFS="$(mktemp -d /tmp/amlb-rootfs.XXXXXX)"
trap 'rm -rf "$ROOTFS"' EXIT
echo "debootstrap $SUITE ($PACKAGES) from $MIRROR into $ROOTFS"
start=$(date +%s)
if ! debootstrap --variant=minbase --include="$PACKAGES" "$SUITE" "$ROOTFS" "$MIRROR" \
        >"$ROOTFS.log" 2>&1; then
    echo "build_base_image.sh: debootstrap failed; last lines of $ROOTFS.log:" >&2
    tail -n 20 "$ROOTFS.log" >&2
    exit 1
fi
# the same apt sources as the host's mirror, so framework images can apt-get install
echo "deb $MIRROR $SUITE main" >"$ROOTFS/etc/apt/sources.list"
if [[ "$SUITE" != sid && "$SUITE" != unstable ]]; then
    echo "deb $MIRROR $SUITE-updates main" >>"$ROOTFS/etc/apt/sources.list"
fi
rm -rf "$ROOTFS"/var/cache/apt/archives/*.deb "$ROOTFS"/var/lib/apt/lists/* "$ROOTFS"/var/log/*.log
echo "importing as $TAG"
tar -C "$ROOTFS" --numeric-owner -c . | docker import \
    --change 'ENV LANG=C.UTF-8' \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'CMD ["/bin/bash"]' \
    -m "amlb base image: debootstrap $SUITE minbase + $PACKAGES" - "$TAG" >/dev/null
rm -f "$ROOTFS.log"
python_version="$(docker run --rm --network none "$TAG" python3 -c 'import sys; print(sys.version.split()[0])')"
echo "built $TAG (Python $python_version) in $(( $(date +%s) - start )) s"
