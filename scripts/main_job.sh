#!/usr/bin/env bash
# The main job on a fresh Debian machine: installs what is missing, builds Release, obtains
# MNIST, trains the default semi-supervised GAN (100 labels) for a fixed time, evaluates it on
# the whole test set, and says where the pictures are.
#   scripts/main_job.sh [extra train_mnist flags]       SSGAN_MINUTES=12 by default
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

minutes=${SSGAN_MINUTES:-12}
data_dir=${SSGAN_DATA_DIR:-datasets/mnist}

scripts/setup.sh
cmake --preset release > /dev/null
cmake --build --preset release -j"$(nproc)" --target train_mnist evaluate
scripts/get_mnist.sh "$data_dir"

build/release/bin/train_mnist --data-dir "$data_dir" --minutes "$minutes" --prefix main "$@"

run_dir=$(ls -1dt train_dir/main-MNIST-* | head -n 1)
build/release/bin/evaluate --data-dir "$data_dir" --checkpoint "$run_dir"

echo
echo "Pictures of this run:"
echo "  samples from the generator: $run_dir/samples/ (one 10x10 grid per evaluation)"
echo "  the samples over training:  $run_dir/training.gif"
echo "  losses and accuracy:        $run_dir/curves.png"
echo "  misclassified test digits:  $run_dir/eval-model-*/misclassified.png"
