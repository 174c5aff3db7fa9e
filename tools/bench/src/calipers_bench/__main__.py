"""Command line: ``python -m calipers_bench [--list] [--only PATTERN] [--repeat N] [--json PATH]``."""

from __future__ import annotations

import argparse
import gc
import json
import platform
import sys
import time
from collections.abc import Sequence
from importlib import metadata
from typing import Any

from calipers_bench.framework import PEERS, Result, format_table, run_workload, select
from calipers_bench.workloads import load

# Seconds of rest between two workloads: right after a heavy one (large sorts, scikit-learn's BLAS threads), per-call
# timings of small operations come out up to a third slower for a few seconds, in every library but not evenly.
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
    return parser


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
    for i, w in enumerate(chosen):
        if i:  # settle: let the previous workload's garbage go and its worker threads fall idle
            gc.collect()
            time.sleep(SETTLE_S)
        print(f"running {w.name} ...", file=sys.stderr, flush=True)
        t0 = time.perf_counter()
        results.extend(run_workload(w, args.repeat, args.warmup))
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
