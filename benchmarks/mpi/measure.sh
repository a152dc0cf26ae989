#!/usr/bin/env bash
# Throughput of train_mnist (default model, batch 100 per rank) on 1 rank x 1 thread, 1 rank x
# 2 threads, 2 ranks x 1 thread, and 2 ranks with gradients averaged only after backward.
# usage: benchmarks/mpi/measure.sh <bin dir> <mnist dir> [short steps] [long steps]
#
# Per setting it prints
#   images/s   the mean of the metrics rows of the long run after its first (wall clock)
#   CPU ms per image   (user + system seconds of all ranks in the long run - in the short run)
#                      / images of the extra steps: start-up and the final evaluation cancel
# The CPU figure holds on a machine that other work shares; the wall-clock figure does not.
set -euo pipefail
bin=$1
data=$2
short=${3:-60}
long=${4:-260}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
TIMEFORMAT='%U %S'

cpu_seconds() { # steps name command...
    local steps=$1 name=$2
    shift 2
    local times
    times=$({ time "$@" --data-dir "$data" --steps "$steps" --log-every 20 \
        --eval-every 1000000 --sample-every 1000000 --save-every 1000000 \
        --train-dir "$work/$name-$steps" --prefix b >"$work/$name-$steps.log" 2>&1; } 2>&1)
    awk '{ print $1 + $2 }' <<<"$times"
}

measure() { # label images-per-step command...
    local label=$1 images=$2
    shift 2
    local name=${label// /_}
    local cpu_short cpu_long
    cpu_short=$(cpu_seconds "$short" "$name" "$@")
    cpu_long=$(cpu_seconds "$long" "$name" "$@")
    local csv
    csv=$(find "$work/$name-$long" -name metrics.csv | head -1)
    awk -F, -v label="$label" -v cpu="$cpu_long - $cpu_short" \
        -v extra="$(((long - short) * images))" \
        -v a="$cpu_long" -v b="$cpu_short" \
        'NR > 2 && $NF != "" { sum += $NF; n++ }
        END { printf "%-30s %7.1f images/s  %6.3f CPU ms per image\n",
                     label, sum / n, 1000 * (a - b) / extra }' "$csv"
}

measure "1 rank x 1 thread" 100 "$bin/train_mnist" --threads 1
measure "1 rank x 2 threads" 100 "$bin/train_mnist" --threads 2
# Open MPI binds each of 2 ranks to its own core.
measure "2 ranks x 1 thread" 200 mpirun -np 2 "$bin/train_mnist" --threads 1
measure "2 ranks x 1 thread, blocking" 200 mpirun -np 2 "$bin/train_mnist" --threads 1 \
    --blocking-reduce
