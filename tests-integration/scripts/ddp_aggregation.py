"""Run by ``torchrun --nproc_per_node=2``: aggregation metrics over a real gloo process group.

Usage: ``torchrun --standalone --nproc_per_node=2 ddp_aggregation.py OUT_DIR``. Every rank writes
``OUT_DIR/rank<r>.json`` with what it observed next to the single-process reference; rank 0 also saves
``OUT_DIR/global_state.pt`` (the synced states, ``persistent(True)``) for the parent test to resume from.
Only observes: the tests compare.
"""

from __future__ import annotations

import json
import os
import sys
import warnings
from datetime import timedelta
from pathlib import Path
from typing import Any

METRICS = ("mean", "sum", "max", "cat", "cat_rows")


def rank_batches(rank: int) -> dict[str, list[tuple[Any, ...]]]:
    """The update calls of each metric on ``rank``: uneven across ranks, rank 1 has no data at all for ``cat``."""
    import torch

    g = torch.Generator().manual_seed(1234 + rank)
    if rank == 0:
        return {
            "mean": [(torch.randn(5, generator=g),), (torch.randn(3, generator=g), torch.rand(3, generator=g) + 0.5)],
            "sum": [(torch.randn(4, generator=g),), (torch.randn(9, generator=g),), (2.5,)],
            "max": [(torch.randn(6, generator=g),), (torch.randn(2, generator=g),)],
            "cat": [(torch.randn(4, generator=g),), (torch.randn(1, generator=g),), (torch.randn(6, generator=g),)],
            "cat_rows": [(torch.randn(2, 3, generator=g),)],
        }
    return {
        "mean": [(torch.randn(2, generator=g) + 10.0, 3.0)],
        "sum": [(torch.randn(1, generator=g),)],
        "max": [(torch.randn(3, generator=g) + 100.0,)],  # the global max lives on rank 1
        "cat": [],
        "cat_rows": [(torch.randn(5, 3, generator=g),), (torch.randn(1, 3, generator=g),)],
    }


def make(name: str, **kwargs: Any) -> Any:
    import calipers

    cls = {
        "mean": calipers.MeanMetric,
        "sum": calipers.SumMetric,
        "max": calipers.MaxMetric,
        "cat": calipers.CatMetric,
        "cat_rows": calipers.CatMetric,
    }[name]
    return cls(**kwargs)


def feed(metric: Any, calls: list[tuple[Any, ...]]) -> Any:
    for args in calls:
        metric.update(*args)
    return metric


def compute(metric: Any) -> Any:
    """``compute``, tolerating only the documented warning of a rank that never called ``update``."""
    from calipers.exceptions import CalipersUserWarning

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        value = metric.compute()
    others = [
        w for w in caught if not (issubclass(w.category, CalipersUserWarning) and "before `update`" in str(w.message))
    ]
    if others:
        raise AssertionError(f"unexpected warnings: {[str(w.message) for w in others]}")
    return value


def as_json(value: Any) -> Any:
    return {"shape": list(value.shape), "dtype": str(value.dtype), "values": value.flatten().tolist()}


def main() -> None:
    out = Path(sys.argv[1])
    import torch
    import torch.distributed as dist

    warnings.simplefilter("error")
    dist.init_process_group("gloo", timeout=timedelta(seconds=60))
    rank, world = dist.get_rank(), dist.get_world_size()
    report: dict[str, Any] = {"rank": rank, "world": world, "metrics": {}}

    for name in METRICS:
        # single-process reference: every rank's data, in rank order, in one metric that never syncs
        reference = make(name, sync_on_compute=False)
        for r in range(world):
            feed(reference, rank_batches(r)[name])
        expected = reference.compute()

        local_calls = rank_batches(rank)[name]
        metric = feed(make(name), local_calls)
        local_only = feed(make(name, sync_on_compute=False), local_calls)
        local_before = {
            k: v.clone() if isinstance(v, torch.Tensor) else list(v) for k, v in metric.metric_state.items()
        }
        value = compute(metric)
        again = compute(metric)
        # compute unsyncs: the local states are back, so the metric can go on updating
        restored = all(
            torch.equal(torch.as_tensor(metric.metric_state[k]), torch.as_tensor(v))
            if isinstance(v, torch.Tensor)
            else len(metric.metric_state[k]) == len(v)
            for k, v in local_before.items()
        )

        # checkpoint / resume 1: each rank saves its local states, a fresh metric loads them and syncs again
        metric.persistent(True)
        torch.save(metric.state_dict(), out / f"local_state_{name}_rank{rank}.pt")
        dist.barrier()
        resumed_local = make(name)
        resumed_local.load_state_dict(torch.load(out / f"local_state_{name}_rank{rank}.pt", weights_only=True))
        resumed_local_value = compute(resumed_local)

        # checkpoint / resume 2: rank 0 saves the synced (global) states; every rank loads them without syncing
        with metric.sync_context():
            global_state = metric.state_dict()
        if rank == 0:
            torch.save(global_state, out / f"global_state_{name}.pt")
        dist.barrier()
        resumed_global = make(name, sync_on_compute=False)
        resumed_global.load_state_dict(torch.load(out / f"global_state_{name}.pt", weights_only=True))

        report["metrics"][name] = {
            "expected": as_json(expected),
            "distributed": as_json(value),
            "distributed_again": as_json(again),
            "local_only": as_json(compute(local_only)),
            "local_states_restored": restored,
            "resumed_local": as_json(resumed_local_value),
            "resumed_global": as_json(resumed_global.compute()),
        }
    dist.barrier()
    dist.destroy_process_group()
    (out / f"rank{rank}.json").write_text(json.dumps(report))


if __name__ == "__main__":
    os.environ.setdefault("GLOO_SOCKET_IFNAME", "lo")
    main()
