#!/usr/bin/python3
"""The embedding paths against the CLI on the same generated data: reading a
file, a pipe and gzip input (hogmf convert's read time), and training from
the CLI and from the Python module (the report's SGD seconds and the wall
time of training alone). Runs alternate between the paths; medians of --reps.

    bench/embedding_speed.py [--build build] [--ratings 2000000] [--reps 3]
"""

import argparse
import gzip
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time


def run(command, **kwargs):
    return subprocess.run(command, shell=True, check=True, capture_output=True, text=True,
                          executable="/bin/bash", **kwargs)


def read_seconds(stderr):
    match = re.search(r"\(([0-9.]+) s\)", stderr)
    if not match:
        sys.exit(f"no read time in: {stderr}")
    return float(match.group(1))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--build", default="build")
    parser.add_argument("--ratings", type=int, default=2000000)
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    hogmf_cli = os.path.abspath(os.path.join(args.build, "tools", "hogmf"))
    sys.path.insert(0, os.path.abspath(os.path.join(args.build, "python")))
    import numpy as np
    import hogmf

    work = tempfile.mkdtemp(prefix="hogmf-embedding-")
    try:
        data = os.path.join(work, "r.txt")
        run(f"{hogmf_cli} gen --shape=netflix-like --ratings={args.ratings} --quiet --out={data}")
        with open(data, "rb") as plain, gzip.open(data + ".gz", "wb", compresslevel=6) as packed:
            shutil.copyfileobj(plain, packed)
        out = os.path.join(work, "o.bin")

        reads = {"file": f"{hogmf_cli} convert {data} {out}",
                 "pipe (cat | -)": f"cat {data} | {hogmf_cli} convert - {out}",
                 "gzip file": f"{hogmf_cli} convert {data}.gz {out}",
                 "gzip pipe (zcat | -)": f"zcat {data}.gz | {hogmf_cli} convert - {out}"}
        read_times = {name: [] for name in reads}
        for _ in range(args.reps):
            for name, command in reads.items():
                read_times[name].append(read_seconds(run(command).stderr))
        print(f"read {args.ratings} ratings ({os.path.getsize(data) / 1e6:.1f} MB text), "
              f"median of {args.reps}:")
        base = statistics.median(read_times["file"])
        for name, times in read_times.items():
            median = statistics.median(times)
            print(f"  {name:22s} {median:6.3f} s  x{median / base:.2f} of the file")

        table = np.loadtxt(data, dtype=np.float64)
        users = table[:, 0].astype(np.int64)
        items = table[:, 1].astype(np.int64)
        values = table[:, 2].astype(np.float32)
        presets = {"seed, 20 epochs": (["--model=seed", "--epochs=20"],
                                       {"model": "seed", "epochs": 20}),
                   "defaults": ([], {})}
        print(f"train, {args.threads} threads, median of {args.reps} "
              "(SGD seconds from the report; wall: training only, no reading or saving):")
        for name, (flags, keywords) in presets.items():
            cli_sgd, cli_wall, py_sgd, py_wall = [], [], [], []
            for _ in range(args.reps):
                report = os.path.join(work, "report.json")
                start = time.monotonic()
                result = run(f"{hogmf_cli} train --threads={args.threads} {' '.join(flags)} "
                             f"--report={report} {data}")
                elapsed = time.monotonic() - start
                cli_sgd.append(json.load(open(report))["seconds"])
                # The CLI's wall less its read time, which the Python run does not time.
                cli_wall.append(elapsed - read_seconds(result.stderr))
                model = hogmf.MF(threads=args.threads, **keywords)
                start = time.monotonic()
                model.fit(users, items, values)
                py_wall.append(time.monotonic() - start)
                py_sgd.append(model.report["seconds"])
            for label, cli, py in (("SGD", cli_sgd, py_sgd), ("wall", cli_wall, py_wall)):
                c, p = statistics.median(cli), statistics.median(py)
                print(f"  {name:16s} {label:4s} CLI {c:6.2f} s  Python {p:6.2f} s  "
                      f"Python/CLI {p / c:.2f}")
    finally:
        shutil.rmtree(work)


if __name__ == "__main__":
    main()
