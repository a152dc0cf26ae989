#!/usr/bin/env python3
"""Step time of data-parallel SSGAN training against nodes and link bandwidth.

A step's time is the measured compute time per step of one node (its local batch) plus the
ring all-reduce of every gradient bucket, less what overlap with backward can hide:

    ring all-reduce of S bytes on N nodes, bucket after bucket (k buckets):
        T_ring = 2 (N - 1) * k * latency + 2 (N - 1) / N * S / bandwidth
    small all-reduces (losses, stop vote, feature means; recursive doubling):
        T_small = m * 2 * ceil(log2 N) * latency
    no overlap:  T = T_compute + T_ring(D) + T_ring(G) + T_small
    overlap:     D's buckets hide behind the last of D's three backward passes and G's behind
                 G's backward, so T = T_compute + max(0, T_ring(D) - w_D T_compute)
                                    + max(0, T_ring(G) - w_G T_compute) + T_small

usage: step_model.py SIZES.csv [model=seconds_per_step ...]
SIZES.csv is what model_sizes prints; the seconds are measured compute times of one rank.
Prints markdown: the all-reduce time per step of every model against nodes and link (a node
that computes a step faster than that is dominated by communication), then for each model
given a compute time, the step time and scaling efficiency with and without overlap.
"""
import csv
import math
import sys

BUCKET_BYTES = 4 << 20  # communicator_options::bucket_bytes
SMALL_REDUCES = 4  # per step: losses, stop vote, and the two feature means
# Fraction of a step's compute during which the buckets of D (the last of its three backward
# passes, about 2 of about 14 forward-pass units) and of G (its backward) can be in flight.
WINDOW_D = 2.0 / 14.0
WINDOW_G = 1.0 / 14.0
LINKS = {  # name: (bytes per second, latency per message in seconds)
    "10 Gbit/s": (10e9 / 8, 20e-6),  # Ethernet with TCP
    "100 Gbit/s": (100e9 / 8, 2e-6),  # InfiniBand or RoCE
}
NODES = [16, 32, 64, 128, 256]


def ring(payload, nodes, bandwidth, latency):
    buckets = max(1, math.ceil(payload / BUCKET_BYTES))
    return 2 * (nodes - 1) * buckets * latency + 2 * (nodes - 1) / nodes * payload / bandwidth


def communication(row, nodes, bandwidth, latency):
    """Seconds of all-reduce per step: D once, G once per generator update, small ones."""
    updates = int(row["g_updates_per_step"])
    t_d = ring(4 * int(row["d_parameters"]), nodes, bandwidth, latency)
    t_g = updates * ring(4 * int(row["g_parameters"]), nodes, bandwidth, latency)
    return t_d, t_g, SMALL_REDUCES * 2 * math.ceil(math.log2(nodes)) * latency


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    sizes = {row["model"]: row for row in csv.DictReader(open(sys.argv[1]))}

    # Communication dominates once a node computes a step in less time than this.
    print("| model | MB per step | link | " + " | ".join(f"{n} nodes" for n in NODES) + " |")
    print("|---|---:|---|" + "---:|" * len(NODES))
    for name, row in sizes.items():
        for link, (bandwidth, latency) in LINKS.items():
            cells = []
            for nodes in NODES:
                cells.append(f"{1000 * sum(communication(row, nodes, bandwidth, latency)):.1f} ms")
            print(f"| {name} | {int(row['bytes_per_step']) / 1e6:.1f} | {link} | "
                  + " | ".join(cells) + " |")

    for argument in sys.argv[2:]:
        name, seconds = argument.split("=")
        compute = float(seconds)
        row = sizes[name]
        d_bytes = 4 * int(row["d_parameters"])
        g_bytes = 4 * int(row["g_parameters"])
        updates = int(row["g_updates_per_step"])
        print(f"\n**{name}**: compute {compute * 1000:.0f} ms per step, all-reduce "
              f"{(d_bytes + updates * g_bytes) / 1e6:.1f} MB per step "
              f"(D {d_bytes / 1e6:.1f} MB + {updates} x G {g_bytes / 1e6:.1f} MB)\n")
        print("| nodes | link | all-reduce ms | step ms, no overlap | step ms, overlap "
              "| efficiency, no overlap | efficiency, overlap |")
        print("|---:|---|---:|---:|---:|---:|---:|")
        for link, (bandwidth, latency) in LINKS.items():
            for nodes in NODES:
                t_d, t_g, t_small = communication(row, nodes, bandwidth, latency)
                plain = compute + t_d + t_g + t_small
                hidden = (compute + max(0.0, t_d - WINDOW_D * compute)
                          + updates * max(0.0, t_g / updates - WINDOW_G * compute) + t_small)
                mark = " (comm > compute)" if t_d + t_g + t_small > compute else ""
                print(f"| {nodes} | {link} | {(t_d + t_g + t_small) * 1000:.1f}{mark} "
                      f"| {plain * 1000:.0f} | {hidden * 1000:.0f} "
                      f"| {100 * compute / plain:.0f} % | {100 * compute / hidden:.0f} % |")


if __name__ == "__main__":
    main()
