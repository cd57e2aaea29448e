#!/usr/bin/python3
"""parseaddr_bench.py: Python's email.utils.parseaddr over bench/paths.txt.

The baseline for bench/path_benchmark.cc: the same inputs (one path per line, "#" lines
skipped), parsed repeatedly for at least --min-seconds. Prints one line:
    parseaddr: <paths> paths, <rate> paths/s

    /usr/bin/python3 bench/parseaddr_bench.py [--paths bench/paths.txt] [--min-seconds 2]
"""
import argparse
import os
import time
from email.utils import parseaddr


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser()
    ap.add_argument("--paths", default=os.path.join(here, "paths.txt"))
    ap.add_argument("--min-seconds", type=float, default=2.0)
    args = ap.parse_args()
    with open(args.paths, encoding="utf-8", errors="surrogateescape") as f:
        paths = [l.rstrip("\n") for l in f if l.strip() and not l.startswith("#")]
    done = 0
    start = time.perf_counter()
    while True:
        for p in paths:
            parseaddr(p)
        done += len(paths)
        elapsed = time.perf_counter() - start
        if elapsed >= args.min_seconds:
            break
    print(f"parseaddr: {len(paths)} paths, {done / elapsed:.0f} paths/s")


if __name__ == "__main__":
    main()
