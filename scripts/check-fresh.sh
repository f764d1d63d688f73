#!/usr/bin/env bash
# Proves the README's two commands the way a new user meets them: in a minimal Debian 12 root that
# has never seen the project (mmdebstrap --variant=apt), a clean clone of this repository's HEAD,
# then `bash scripts/demo.sh` followed by `bash scripts/test.sh` (the order whose leftovers used to
# hide that no test ran), then the demo again over the test build. Prints each command's wall time.
# Needs root and Debian's mmdebstrap; takes a while (downloads, a full build, the whole suite).
# Not part of CI. Usage: sudo bash scripts/check-fresh.sh [ROOT_DIR]   (default /var/tmp/ember-fresh)
set -euo pipefail
repo=$(git -C "$(dirname "$0")/.." rev-parse --show-toplevel)
root=${1:-/var/tmp/ember-fresh}
if [[ $(id -u) -ne 0 ]]; then echo "check-fresh.sh needs root (chroot, mounts)" >&2; exit 2; fi
command -v mmdebstrap >/dev/null || { apt-get update -qq && apt-get install -y -qq mmdebstrap >/dev/null; }

cleanup() {
  for m in dev/pts dev proc sys; do umount -l "$root/$m" 2>/dev/null || true; done
}
trap cleanup EXIT

if [[ -e "$root" ]]; then cleanup; rm -rf --one-file-system "$root"; fi
mmdebstrap --variant=apt --include=git,ca-certificates bookworm "$root"
mount -t proc proc "$root/proc"
mount -t sysfs sys "$root/sys"
mount --bind /dev "$root/dev"
mount --bind /dev/pts "$root/dev/pts"
cp /etc/resolv.conf "$root/etc/resolv.conf"

# A clone as a user makes it: committed files only, nothing from this working tree's build.
git clone -q --no-local "$repo" "$root/root/ember"
echo "fresh root: $root, clone of $(git -C "$repo" rev-parse --short HEAD)"

step() {
  local name=$1; shift
  local start=$SECONDS
  echo "=== $name"
  if ! chroot "$root" /usr/bin/env -i HOME=/root PATH=/usr/sbin:/usr/bin:/sbin:/bin TERM=dumb \
      bash -c "cd /root/ember && $*"; then
    echo "=== $name FAILED after $((SECONDS - start)) s"; exit 1
  fi
  echo "=== $name: $((SECONDS - start)) s wall on $(nproc) cores"
}
step "demo (first command)" bash scripts/demo.sh
step "test (second command)" bash scripts/test.sh
step "demo again over the test build" bash scripts/demo.sh
echo "fixtures and build: $(du -sh "$root/root/ember/build" | cut -f1)"
echo "check-fresh: all passed"
