#!/usr/bin/env bash
# Builds ssgan and runs every test: scripts/test.sh [preset], preset = release (default),
# debug or asan (see CMakePresets.json). Installs missing packages first. Exits non-zero
# when configuring, building or any test fails.
set -euo pipefail

preset=${1:-release}
cd "$(dirname "${BASH_SOURCE[0]}")/.."

scripts/setup.sh
cmake --preset "$preset"
cmake --build --preset "$preset" -j2
ctest --preset "$preset"
