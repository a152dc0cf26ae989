#!/usr/bin/env python3
"""Times one whole SSGAN training iteration in ssgan (bin/training_step) and in PyTorch
(benchmarks/pytorch/ssgan_step.py), alternately, configuration by configuration, each run in a
fresh process, and prints one line per configuration:

    improved 28x28x1 batch 100 threads 2: ssgan 1234.5 images/s, PyTorch 456.7 images/s, ratio 2.70, ...

Installs PyTorch and OpenBLAS first when they are missing (scripts/setup.sh --benchmarks).
Our build is build/release, or the directory in SSGAN_BUILD_DIR; it needs the target
training_step (cmake --build build/release --target training_step).

    benchmarks/compare_pytorch.py                       # all 16 configurations, once each
    benchmarks/compare_pytorch.py --rounds 3 --only improved/32x32x3
"""

import argparse
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = "/usr/bin/python3"  # Debian's python3-torch belongs to the system interpreter

MODELS = ["seed", "improved"]
SHAPES = ["28x28x1", "32x32x3"]
BATCHES = [64, 100]
THREADS = [1, 2]


def install_packages():
    subprocess.run([str(ROOT / "scripts" / "setup.sh"), "--benchmarks"], check=True,
                   stdout=sys.stderr)


def our_program():
    build = Path(os.environ.get("SSGAN_BUILD_DIR", ROOT / "build" / "release"))
    program = build / "bin" / "training_step"
    if not program.exists():
        sys.exit(f"compare_pytorch: {program} not found; build it with "
                 f"`cmake --build {build} --target training_step` or set SSGAN_BUILD_DIR")
    return program


def thread_environment(threads):
    environment = dict(os.environ)
    environment["OMP_NUM_THREADS"] = str(threads)
    environment["OPENBLAS_NUM_THREADS"] = str(threads)
    return environment


def run_ours(program, model, shape, batch, threads, min_time):
    name = f"ssgan_step/{model}/{shape}/batch:{batch}/threads:{threads}"
    result = subprocess.run(
        [str(program), f"--benchmark_filter=^{re.escape(name)}(/real_time)?$",
         "--benchmark_format=json", f"--benchmark_min_time={min_time}"],
        check=True, capture_output=True, text=True, env=thread_environment(threads))
    found = json.loads(result.stdout)["benchmarks"]
    if len(found) != 1:
        sys.exit(f"compare_pytorch: {program} ran {len(found)} benchmarks for {name}, expected 1")
    return {"images_per_s": found[0]["images_per_s"], "peak_rss_MiB": found[0]["peak_rss_MiB"],
            "peak_fraction": found[0].get("peak_fraction"),
            "GFLOP_per_s": found[0].get("GFLOP_per_s")}


def run_pytorch(model, shape, batch, threads, min_time):
    script = ROOT / "benchmarks" / "pytorch" / "ssgan_step.py"
    result = subprocess.run(
        [PYTHON, str(script), "--model", model, "--shape", shape, "--batch", str(batch),
         "--threads", str(threads), "--min-time", str(min_time)],
        check=True, capture_output=True, text=True, env=thread_environment(threads))
    return json.loads(result.stdout.strip().splitlines()[-1])


def pytorch_setup():
    """Which BLAS PyTorch loads, its version and its own build summary line for BLAS."""
    probe = (
        "import torch, json\n"
        "from pathlib import Path\n"
        "x = torch.ones(64, 64); (x @ x).sum()\n"
        "maps = Path('/proc/self/maps').read_text().split('\\n')\n"
        "libs = sorted({l.split()[-1] for l in maps if '/lib' in l and "
        "any(k in l for k in ('blas', 'mkl', 'blis'))})\n"
        "import re\n"
        "info = re.findall(r'(?:BLAS|LAPACK)_INFO=[^,]*', torch.__config__.show())\n"
        "print(json.dumps({'torch': torch.__version__, 'blas_files': libs, 'build': info}))\n")
    result = subprocess.run([PYTHON, "-c", probe], check=True, capture_output=True, text=True)
    found = json.loads(result.stdout)
    alternative = subprocess.run(
        ["update-alternatives", "--query", "libblas.so.3-x86_64-linux-gnu"],
        capture_output=True, text=True).stdout
    value = [line.split(":", 1)[1].strip() for line in alternative.splitlines()
             if line.startswith("Value:")]
    found["alternative"] = value[0] if value else "unknown"
    return found


def load():
    return os.getloadavg()[0]


def print_table(rows):
    print("\n| model | input | batch | threads | ssgan images/s | PyTorch images/s | ratio "
          "| ssgan GFLOP/s | of peak | ssgan peak RSS | PyTorch peak RSS | load |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for row in rows:
        ours = max(row["ours"], key=lambda r: r["images_per_s"])
        theirs = max(row["pytorch"], key=lambda r: r["images_per_s"])
        print(f"| {row['model']} | {row['shape']} | {row['batch']} | {row['threads']} "
              f"| {ours['images_per_s']:.1f} | {theirs['images_per_s']:.1f} "
              f"| {row['ratio']:.2f} | {ours['GFLOP_per_s']:.1f} "
              f"| {100 * ours['peak_fraction']:.1f}% | {ours['peak_rss_MiB']:.0f} MiB "
              f"| {theirs['peak_rss_MiB']:.0f} MiB | {row['load']:.1f} |")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=1,
                        help="runs of each side per configuration; the best of them counts "
                             "(the least disturbed on a shared machine)")
    parser.add_argument("--min-time", type=float, default=3.0,
                        help="seconds of timed iterations per run, at least (default 3)")
    parser.add_argument("--only", default="",
                        help="a regular expression the name model/shape/batch:N/threads:T must "
                             "contain, e.g. 'improved/32x32x3'")
    parser.add_argument("--json", type=Path, help="also write every measurement to this file")
    parser.add_argument("--markdown", action="store_true",
                        help="also print the results as a Markdown table at the end")
    parser.add_argument("--no-install", action="store_true",
                        help="do not run scripts/setup.sh --benchmarks first")
    arguments = parser.parse_args()

    if not arguments.no_install:
        install_packages()
    program = our_program()
    setup = pytorch_setup()
    print(f"# ours: {program}")
    print(f"# PyTorch {setup['torch']}; BLAS loaded: {', '.join(setup['blas_files'])}; "
          f"libblas.so.3 alternative: {setup['alternative']}; build: {'; '.join(setup['build'])}")
    print(f"# load average at start: {load():.2f} ({os.cpu_count()} CPUs)", flush=True)

    rows = []
    order = 0
    for model in MODELS:
        for shape in SHAPES:
            for batch in BATCHES:
                for threads in THREADS:
                    name = f"{model}/{shape}/batch:{batch}/threads:{threads}"
                    if not re.search(arguments.only, name):
                        continue
                    ours, theirs = [], []
                    loads = []
                    for _ in range(arguments.rounds):
                        # Alternate which side goes first, so a slow drift in the machine's load
                        # does not always fall on the same side.
                        sides = [("ours", ours), ("pytorch", theirs)]
                        if order % 2:
                            sides.reverse()
                        order += 1
                        for side, results in sides:
                            loads.append(load())
                            if side == "ours":
                                results.append(run_ours(program, model, shape, batch, threads,
                                                        arguments.min_time))
                            else:
                                results.append(run_pytorch(model, shape, batch, threads,
                                                           arguments.min_time))
                    best_ours = max(ours, key=lambda r: r["images_per_s"])
                    best_theirs = max(theirs, key=lambda r: r["images_per_s"])
                    ratio = best_ours["images_per_s"] / best_theirs["images_per_s"]
                    row = {"model": model, "shape": shape, "batch": batch, "threads": threads,
                           "ours": ours, "pytorch": theirs, "ratio": ratio,
                           "load": sum(loads) / len(loads)}
                    rows.append(row)
                    fraction = best_ours["peak_fraction"]
                    print(f"{model} {shape} batch {batch} threads {threads}: "
                          f"ssgan {best_ours['images_per_s']:.1f} images/s, "
                          f"PyTorch {best_theirs['images_per_s']:.1f} images/s, "
                          f"ratio {ratio:.2f}; "
                          f"ssgan {best_ours['GFLOP_per_s']:.1f} GFLOP/s "
                          f"({100 * fraction:.1f}% of peak); "
                          f"peak RSS ssgan {best_ours['peak_rss_MiB']:.0f} MiB, "
                          f"PyTorch {best_theirs['peak_rss_MiB']:.0f} MiB; "
                          f"load {row['load']:.1f}", flush=True)

    print(f"# load average at end: {load():.2f}")
    if arguments.markdown:
        print_table(rows)
    if arguments.json:
        arguments.json.write_text(json.dumps({"setup": setup, "rows": rows,
                                              "time": time.strftime("%Y-%m-%d %H:%M:%S")},
                                             indent=1))


if __name__ == "__main__":
    main()
