"""Functions run inside the DDP worker processes (importable, so they pickle by reference)."""

from __future__ import annotations

import copy
import warnings
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

import torch.distributed as dist

from calipers import Metric
from calipers_testing.states import snapshot, snapshots_equal

__all__ = ["COLLECTIVES", "count_collectives", "rank_of", "run_case", "sleep_on_rank_one"]

COLLECTIVES = (
    "all_reduce", "all_gather", "all_gather_into_tensor", "all_gather_object", "broadcast", "broadcast_object_list",
    "barrier", "reduce", "reduce_scatter", "reduce_scatter_tensor", "gather", "scatter", "all_to_all",
    "all_to_all_single",
)  # fmt: skip


@contextmanager
def count_collectives() -> Iterator[dict[str, int]]:
    """Count calls of every ``torch.distributed`` collective inside the block (patched at module level)."""
    counts: dict[str, int] = {}
    originals: dict[str, Callable[..., Any]] = {}
    for name in COLLECTIVES:
        original = getattr(dist, name, None)
        if original is None:
            continue
        originals[name] = original

        def wrapper(*args: Any, __name: str = name, __orig: Callable[..., Any] = original, **kwargs: Any) -> Any:
            counts[__name] = counts.get(__name, 0) + 1
            return __orig(*args, **kwargs)

        setattr(dist, name, wrapper)
    try:
        yield counts
    finally:
        for name, original in originals.items():
            setattr(dist, name, original)


def run_case(
    rank: int,
    world: int,
    metric_class: type[Metric],
    metric_args: Mapping[str, Any],
    batches: Sequence[tuple[Any, ...]],
    mode: str,
) -> dict[str, Any]:
    """Update a fresh metric with this rank's batches and compute (synced).

    ``mode``: ``"update"`` (update then compute), ``"forward"`` (forward each batch), or ``"sync_on_step"``
    (``dist_sync_on_step=True``, forward each batch: the batch values are global).
    Returns ``{"value", "collectives", "batch_values", "local_after"}``: the computed value, the number of
    collectives issued by ``compute``, the forward values, and whether ``compute`` restored the local states.
    """
    warnings.simplefilter("ignore")  # e.g. compute-before-update on the rank that has no data
    args = copy.deepcopy(dict(metric_args))
    if mode == "sync_on_step":
        args["dist_sync_on_step"] = True
    metric = metric_class(**args)
    batch_values = []
    for batch in batches:
        if mode == "update":
            metric.update(*batch)
        else:
            batch_values.append(_detach(metric(*batch)))
    before = snapshot(metric)
    with count_collectives() as counts:
        value = metric.compute()
    after = snapshot(metric)
    return {
        "value": _detach(value),
        "collectives": sum(counts.values()),
        "collective_names": dict(counts),
        "batch_values": batch_values,
        "local_restored": snapshots_equal(before, after) is None,
    }


def _detach(x: Any) -> Any:
    if hasattr(x, "detach"):
        return x.detach().cpu()
    if isinstance(x, dict):
        return {k: _detach(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_detach(v) for v in x]
    return x


def rank_of(rank: int, world: int) -> int:
    """Return the rank (a pool self-test)."""
    return rank


def sleep_on_rank_one(rank: int, world: int, seconds: float) -> int:
    """Rank 1 sleeps (a pool self-test: a hang must be reported)."""
    import time

    if rank == 1:
        time.sleep(seconds)
    return rank
