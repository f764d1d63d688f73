#!/usr/bin/env bash
# Installs what ember needs on Debian 12 from Debian's archive. Idempotent: installs only what is
# missing. Usage: install-deps.sh [--build | --bench | --sanitize]
#   (default)  everything the test command needs: the build, GoogleTest, and Debian's PyTorch for
#              the fixtures
#   --build    only what building the library and the CLI needs (the demo)
#   --bench    the same set as the default (libtorch-dev is in it: the tests build the ported
#              libtorch programs of examples/port, and bench/ compares with libtorch)
#   --sanitize the default set plus clang for scripts/test-sanitized.sh (ASan/UBSan, libFuzzer)
set -euo pipefail

# oneDNN's development package only recommends OpenCL's headers; ember's build does not need them
# (cmake/FindEmberDnnl.cmake), and --no-install-recommends below keeps them out.
build_packages=(
  g++ cmake ninja-build pkg-config
  zlib1g-dev libdnnl-dev            # runtime: inflate, oneDNN primitives
  libcli11-dev nlohmann-json3-dev libstb-dev   # CLI only
  libcpp-httplib-dev libgrpc++-dev libprotobuf-dev protobuf-compiler protobuf-compiler-grpc  # ember serve
)
test_packages=(
  libgtest-dev                      # unit tests
  python3-torch python3-torchvision python3-numpy python3-sklearn  # fixtures and the demo model
  python3-grpcio python3-protobuf   # ember serve's gRPC test client
  libtorch-dev                      # the libtorch side of examples/port, built and compared by the tests
)
packages=("${build_packages[@]}")
case "${1:-}" in
  --build) ;;
  --bench) packages+=("${test_packages[@]}") ;;
  --sanitize) packages+=("${test_packages[@]}" clang-14 libclang-rt-14-dev libomp-14-dev) ;;
  "") packages+=("${test_packages[@]}") ;;
  *) echo "usage: install-deps.sh [--build | --bench | --sanitize]" >&2; exit 2 ;;
esac

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
