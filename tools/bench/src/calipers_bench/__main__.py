"""Command line: ``python -m calipers_bench [--list] [--only PATTERN] [--repeat N] [--json PATH]``."""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from importlib import metadata
from typing import Any

from calipers_bench.framework import CALIPERS, PEERS, Result, Workload, format_table, run_workload, select
from calipers_bench.workloads import load

# Right after a heavy workload (large sorts, scikit-learn's and torcheval's runs), per-call timings of small operations
# come out up to a third slower for a few seconds, in every library but not evenly. So each of several workloads runs
# in a fresh interpreter; with --in-process, they rest SETTLE_S seconds (after a garbage collection) between them.
SETTLE_S = 3.0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m calipers_bench",
        description="Benchmarks of calipers against TorchMetrics, torcheval and scikit-learn, run interleaved.",
    )
    parser.add_argument("--list", action="store_true", help="list the workloads and exit")
    parser.add_argument(
        "--only",
        action="append",
        metavar="PATTERN",
        help="run the workloads whose name contains PATTERN (or matches it as a glob), or whose domain is PATTERN; "
        "repeatable, or comma-separated",
    )
    parser.add_argument("--repeat", type=int, metavar="N", help="timed repetitions (default: per workload)")
    parser.add_argument("--warmup", type=int, metavar="N", help="untimed repetitions first (default: per workload)")
    parser.add_argument("--json", metavar="PATH", help="also write the results as JSON to PATH")
    parser.add_argument(
        "--in-process",
        action="store_true",
        help="run every workload in this process (by default each of several runs in a fresh one)",
    )
    return parser


def _run_isolated(w: Workload, args: argparse.Namespace) -> list[Result]:
    """Run one workload in a fresh interpreter and read its rows back from the JSON report."""
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "rows.json")
        command = [sys.executable, "-m", "calipers_bench", "--in-process", "--only", w.name, "--json", path]
        for flag, value in (("--repeat", args.repeat), ("--warmup", args.warmup)):
            if value is not None:
                command += [flag, str(value)]
        done = subprocess.run(command, stdout=subprocess.DEVNULL, check=False)
        if done.returncode or not os.path.exists(path):
            failed = Result(w.name, w.domain, "run", (CALIPERS, *w.peers))
            failed.notes[CALIPERS] = f"the workload's process failed (exit status {done.returncode})"
            return [failed]
        with open(path, encoding="utf-8") as f:
            rows = json.load(f)["results"]
    return [Result.from_json(r) for r in rows if r["name"] == w.name or r["name"].startswith(w.name + "/")]


def _versions() -> dict[str, str | None]:
    out: dict[str, str | None] = {}
    for dist in ("calipers-base", "torch", *PEERS):
        name = "scikit-learn" if dist == "sklearn" else dist
        try:
            out[dist] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[dist] = None
    return out


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    load()
    patterns = [p.strip() for item in (args.only or []) for p in item.split(",")]
    chosen = select(patterns)
    if args.list:
        width = max((len(w.name) for w in chosen), default=0)
        for w in chosen:
            peers = ", ".join(w.peers) or "-"
            print(f"{w.name.ljust(width)}  [{w.domain}; peers: {peers}]  {w.description}")
        return 0
    if not chosen:
        print(f"no workload matches {patterns}; see --list", file=sys.stderr)
        return 2
    if args.repeat is not None and args.repeat < 1:
        print("--repeat must be at least 1", file=sys.stderr)
        return 2
    results: list[Result] = []
    started = time.perf_counter()
    isolate = len(chosen) > 1 and not args.in_process
    for i, w in enumerate(chosen):
        if i and not isolate:  # settle: let the previous workload's garbage go and its worker threads fall idle
            gc.collect()
            time.sleep(SETTLE_S)
        print(f"running {w.name} ...", file=sys.stderr, flush=True)
        t0 = time.perf_counter()
        results.extend(_run_isolated(w, args) if isolate else run_workload(w, args.repeat, args.warmup))
        print(f"  done in {time.perf_counter() - t0:.1f} s", file=sys.stderr, flush=True)
    print(format_table(results))
    if args.json:
        report: dict[str, Any] = {
            "meta": {
                "python": platform.python_version(),
                "platform": platform.platform(),
                "versions": _versions(),
                "repeat": args.repeat,
                "warmup": args.warmup,
                "wall_s": time.perf_counter() - started,
                "date": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            },
            "results": [r.to_json() for r in results],
        }
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump(report, f, indent=2)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
