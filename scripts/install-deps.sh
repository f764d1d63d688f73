#!/usr/bin/env bash
# Installs what ember needs on Debian 12 from Debian's archive. Idempotent: installs only what is
# missing. `--bench` adds libtorch-dev for the side-by-side benchmark.
set -euo pipefail

packages=(
  g++ cmake ninja-build pkg-config
  zlib1g-dev libdnnl-dev            # runtime: inflate, oneDNN primitives
  libcli11-dev nlohmann-json3-dev libstb-dev   # CLI only
  libgtest-dev                      # unit tests
  python3-torch python3-torchvision python3-numpy python3-sklearn  # fixtures and the demo model
)
if [[ "${1:-}" == "--bench" ]]; then packages+=(libtorch-dev); fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]} == 0)); then exit 0; fi

echo "installing: ${missing[*]}"
sudo=""
if [[ $(id -u) -ne 0 ]]; then sudo="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
