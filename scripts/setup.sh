#!/usr/bin/env bash
# Installs the Debian packages that building and testing ssgan needs, and only those missing.
# Runs apt-get update only when something is missing; uses sudo only when not root.
# `scripts/setup.sh --benchmarks` installs instead the second list below, which only the
# comparison with PyTorch and the compile-cost script need (the tests do not).
# A package also counts as present when a program of its name is on PATH (npm, for one,
# comes inside NodeSource's nodejs package, which conflicts with Debian's npm).
set -euo pipefail

# The one list of packages. Add to it here.
packages=(
    build-essential
    cmake
    ninja-build
    pkg-config
    git
    ca-certificates
    curl
    libdnnl-dev
    ocl-icd-opencl-dev # oneDNN's CMake package requires OpenCL (Debian builds it with the GPU runtime)
    libeigen3-dev
    libtbb-dev
    libboost-test-dev
    libcli11-dev
    zlib1g-dev
    libpng-dev
    libgif-dev
    gnuplot-nox
    nlohmann-json3-dev
    libmatio-dev # SVHN's .mat files; built with HDF5, so MAT v7.3 loads too
    libhdf5-dev  # the SSGAN-Tensorflow dataset layout (data.hdf5)
    libstb-dev   # PNG and JPEG decoding and resizing for image folders
    libbenchmark-dev
    libopenmpi-dev # data-parallel training (SSGAN_WITH_MPI) and its tests
    openmpi-bin    # mpirun
    nodejs
    npm
)

# What benchmarks/compare_pytorch.py and benchmarks/compile_cost.sh need besides a build.
# PyTorch runs its dense layers and transposed convolutions on the system BLAS, Debian's
# reference BLAS unless OpenBLAS is installed, which then takes over through alternatives.
benchmark_packages=(
    python3-torch
    libopenblas0-pthread
    libopenblas-dev
    time # /usr/bin/time -v
)
if [ "${1:-}" = "--benchmarks" ]; then
    packages=("${benchmark_packages[@]}")
fi

missing=()
for package in "${packages[@]}"; do
    status=$(dpkg-query --show --showformat='${db:Status-Status}' "$package" 2>/dev/null || true)
    if [ "$status" != "installed" ] && ! type -P "$package" >/dev/null; then
        missing+=("$package")
    fi
done

if [ ${#missing[@]} -eq 0 ]; then
    echo "setup: all ${#packages[@]} packages are installed"
    exit 0
fi

echo "setup: installing ${missing[*]}"
as_root=()
if [ "$(id -u)" -ne 0 ]; then
    as_root=(sudo)
fi
export DEBIAN_FRONTEND=noninteractive
"${as_root[@]}" apt-get update -q
"${as_root[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
