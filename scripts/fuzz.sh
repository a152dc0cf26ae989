#!/usr/bin/env bash
# Builds the libFuzzer targets (tests/fuzz/*_fuzz.cpp) with clang, AddressSanitizer and
# UndefinedBehaviorSanitizer, and runs each for a bounded time:
#   scripts/fuzz.sh [seconds per target, default 60] [target ...]   (targets: idx, cifar10, ...)
# Each target starts from its seed corpus, tests/fuzz/corpus/<target>/, and grows a working copy
# in <build>/corpus/<target>/, so the repository's corpus stays small. Any crash, sanitizer
# report, leak, timeout (10 s) or allocation over 512 MiB is a finding: the input is saved in
# <build>/findings/<target>/ and the script exits non-zero. Fix the bug and add the input to
# tests/fuzz/regressions/<target>/, where the ordinary test suite replays it.
# The build folder is build/fuzz, or $SSGAN_FUZZ_BUILD_DIR.
set -euo pipefail

seconds=${1:-60}
shift || true
cd "$(dirname "${BASH_SOURCE[0]}")/.."
build=${SSGAN_FUZZ_BUILD_DIR:-build/fuzz}

targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
    for source in tests/fuzz/*_fuzz.cpp; do
        name=$(basename "$source" _fuzz.cpp)
        targets+=("$name")
    done
fi

cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_COMPILER=clang++ \
    -DSSGAN_BUILD_FUZZERS=ON -DSSGAN_BUILD_TESTS=OFF -DSSGAN_BUILD_EXAMPLES=OFF \
    -DSSGAN_BUILD_BENCHMARKS=OFF >/dev/null
cmake --build "$build" -j2 --target "${targets[@]/#/fuzz_}"

failed=()
for name in "${targets[@]}"; do
    work="$build/corpus/$name"
    findings="$build/findings/$name"
    mkdir -p "$work" "$findings"
    echo "fuzz: $name for ${seconds} s"
    if ! "$build/bin/fuzz_$name" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
        -malloc_limit_mb=512 -print_final_stats=1 -artifact_prefix="$findings/" \
        "$work" "tests/fuzz/corpus/$name" 2>"$build/fuzz_$name.log"; then
        failed+=("$name")
        tail -n 60 "$build/fuzz_$name.log"
    fi
    grep -E '^(stat::number_of_executed_units|stat::peak_rss_mb):' "$build/fuzz_$name.log" |
        sed "s/^/fuzz: $name: /" || true
done

if [ ${#failed[@]} -gt 0 ]; then
    echo "fuzz: findings in ${failed[*]}; inputs in $build/findings/" >&2
    exit 1
fi
echo "fuzz: no findings in ${targets[*]} (${seconds} s each)"
