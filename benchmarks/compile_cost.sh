#!/usr/bin/env bash
# The cost of compiling ssgan code: wall time and peak memory (GNU time -v) of compiling and of
# linking examples/train_mnist.cpp and examples/train_cifar10.cpp, with exactly the commands the
# build uses. The outputs go to a scratch directory, so the build's own files stay as they are.
# Needs a Ninja build directory: build/release, or the one SSGAN_BUILD_DIR names.
#
#   benchmarks/compile_cost.sh [example ...]      (default: train_mnist train_cifar10)
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
build=${SSGAN_BUILD_DIR:-$root/build/release}
if [ ! -f "$build/build.ninja" ]; then
    echo "compile_cost: $build/build.ninja not found; configure with" >&2
    echo "  cmake -S $root -B $build -G Ninja -DCMAKE_BUILD_TYPE=Release" >&2
    exit 1
fi
if [ ! -x /usr/bin/time ]; then
    echo "compile_cost: /usr/bin/time not found; run scripts/setup.sh --benchmarks" >&2
    exit 1
fi

examples=("$@")
if [ ${#examples[@]} -eq 0 ]; then
    examples=(train_mnist train_cifar10)
fi

scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT

# Runs a command under GNU time and prints "<wall> s wall, <cpu> s CPU, <GiB> GiB": CPU is
# user + system time, which a busy machine inflates far less than wall time.
measure() {
    local log=$scratch/time.log
    (cd "$build" && /usr/bin/time -v -o "$log" sh -c "$1" >/dev/null)
    local wall user system kib
    wall=$(sed -n 's/.*Elapsed (wall clock) time (h:mm:ss or m:ss): //p' "$log")
    user=$(sed -n 's/.*User time (seconds): //p' "$log")
    system=$(sed -n 's/.*System time (seconds): //p' "$log")
    kib=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$log")
    # m:ss.ss or h:mm:ss to seconds.
    awk -v wall="$wall" -v cpu="$user + $system" -v kib="$kib" 'BEGIN {
        n = split(wall, part, ":"); seconds = 0
        for (i = 1; i <= n; ++i) seconds = seconds * 60 + part[i]
        split(cpu, sum, " [+] ")
        printf "%.1f s wall, %.1f s CPU, %.2f GiB", seconds, sum[1] + sum[2], kib / 1048576 }'
}

echo "# build: $build ($(grep -m1 CMAKE_BUILD_TYPE:STRING "$build/CMakeCache.txt" | cut -d= -f2))"
compiler=$(sed -n 's/^CMAKE_CXX_COMPILER:[A-Z]*=//p' "$build/CMakeCache.txt")
echo "# compiler: $("$compiler" --version | head -1)"
echo "# load average at start: $(cut -d' ' -f1-3 /proc/loadavg), $(nproc) CPUs"
for example in "${examples[@]}"; do
    object="examples/CMakeFiles/$example.dir/$example.cpp.o"
    compile=$(ninja -C "$build" -t commands "$object" | tail -1)
    link=$(ninja -C "$build" -t commands "bin/$example" | tail -1)
    if [ -z "$compile" ] || [ -z "$link" ]; then
        echo "compile_cost: no build commands for $example in $build" >&2
        exit 1
    fi
    # The same commands, writing into the scratch directory.
    compile=${compile//$object/$scratch/$example.o}
    link=${link//$object/$scratch/$example.o}
    link=${link//bin\/$example/$scratch/$example}

    echo "$example: compile $(measure "$compile"); link $(measure "$link")"
done
echo "# load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
