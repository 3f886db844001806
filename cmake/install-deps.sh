#!/usr/bin/env bash
# Installs the Debian 12 packages rightsize needs, only those missing (needs root for apt-get).
set -euo pipefail
packages=(build-essential cmake ninja-build pkg-config
  libceres-dev libeigen3-dev libboost-dev catch2 libbenchmark-dev
  libyaml-cpp-dev nlohmann-json3-dev libcli11-dev libfmt-dev gnuplot-nox
  # `rightsize --version` (the catalogue's commit) and the Debian package (`cpack -G DEB`).
  git dpkg-dev
  # The Python module (sim/python), its tests and the notebooks (tests/python).
  python3-dev pybind11-dev python3-numpy python3-pandas python3-matplotlib
  python3-pytest python3-yaml python3-nbconvert python3-ipykernel jupyter-nbconvert
  # `pip install --no-build-isolation .` of the module (setup.py), offline.
  python3-pip python3-setuptools python3-wheel
  # The sanitize and fuzz presets: clang 14 with ASan, UBSan and libFuzzer (compiler-rt), and
  # llvm-symbolizer so sanitizer reports name source lines.
  clang-14 libclang-rt-14-dev llvm-14
  # The style check (tests/style): every C++ source clang-format clean.
  clang-format-14
  # gzip- and zstd-compressed streamed sweeps (sim/util/output_path.h, block_compress.h).
  zlib1g-dev libzstd-dev zstd
  # rightsize-mpi (docs/mpi.md): Boost.MPI over Open MPI, and mpirun for its tests.
  libboost-mpi-dev openmpi-bin
  # Reports: Markdown to HTML (md4c). `rightsize serve`: the HTTP server (cpp-httplib).
  libmd4c-dev libmd4c-html0-dev libcpp-httplib-dev
  # The browser tests of the report and the what-if page (tests/web): headless Chromium.
  chromium)
# npm installs the page's chart library and the tests' puppeteer-core at build time (web/). A
# Node.js from elsewhere (e.g. NodeSource, which bundles npm) is kept; else Debian's.
if ! command -v npm >/dev/null 2>&1; then packages+=(nodejs npm); fi
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if (( ${#missing[@]} == 0 )); then
  exit 0
fi
echo "install-deps: installing ${missing[*]}"
SUDO=""
if [[ $(id -u) != 0 ]]; then SUDO=sudo; fi
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
