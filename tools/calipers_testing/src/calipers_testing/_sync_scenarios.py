"""Sync-engine scenarios run on the DDP pool by calipers-base's tests (importable, so they pickle by reference).

``ManyStates`` has ten states of every kind; ``rank_data(rank, scenario)`` says what each rank feeds it, so the
test can compute the expected synced states itself.
"""

from __future__ import annotations

import warnings
from typing import Any

import torch
import torch.distributed as dist
from torch import Tensor

from calipers import Metric
from calipers_testing._ddp_tasks import count_collectives
from calipers_testing.states import snapshot, snapshots_equal

__all__ = ["ManyStates", "rank_data", "sync_scenario"]


def _second_row_sum(stacked: Tensor) -> Tensor:
    return stacked.sum(0) * 2


class ManyStates(Metric):
    """Ten states: 3 float sums, a long counter, max, min, mean, a 1-D and a 2-D cat, and a custom reduction."""

    full_state_update = False

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        for i in range(3):
            self.add_state(f"s{i}", torch.zeros(4), dist_reduce_fx="sum")
        self.add_state("count", torch.tensor(0), dist_reduce_fx="sum")
        self.add_state("hi", torch.full((2,), -float("inf")), dist_reduce_fx="max")
        self.add_state("lo", torch.full((2,), float("inf")), dist_reduce_fx="min")
        self.add_state("avg", torch.zeros(3, dtype=torch.float64), dist_reduce_fx="mean")
        self.add_state("flat", [], dist_reduce_fx="cat")
        self.add_state("rows", [], dist_reduce_fx="cat")
        self.add_state("custom", torch.zeros(2), dist_reduce_fx=_second_row_sum)

    def update(self, x: Tensor, rows: Tensor) -> None:
        for i in range(3):
            setattr(self, f"s{i}", getattr(self, f"s{i}") + x[:4].sum() * (i + 1))
        self.count += x.numel()
        self.hi = torch.maximum(self.hi, x[:2])
        self.lo = torch.minimum(self.lo, x[:2])
        self.avg = self.avg + x[:3].double()
        self.flat.append(x)
        self.rows.append(rows)
        self.custom = self.custom + x[:2]

    def compute(self) -> dict[str, Any]:
        return self.metric_state


def rank_data(rank: int, scenario: str) -> list[tuple[Tensor, Tensor]]:
    """The batches rank ``rank`` feeds in ``scenario`` (deterministic)."""
    gen = torch.Generator().manual_seed(100 + rank)
    n_batches = {"uneven": (3, 1), "empty_rank": (4, 0), "zero_rows": (2, 2), "all_empty": (0, 0)}[scenario][rank]
    out = []
    for b in range(n_batches):
        n = 5 + 3 * b + rank
        rows = torch.randn(0 if scenario == "zero_rows" else (b + 1) * (rank + 1), 3, generator=gen)
        out.append((torch.randn(n, generator=gen), rows))
    return out


def sync_scenario(rank: int, world: int, scenario: str, mode: str = "engine") -> dict[str, Any]:
    """Feed ``ManyStates`` this rank's data, sync it and report the synced states and the collectives used.

    ``mode``: ``"engine"`` (default batched sync), ``"fn"`` (a user ``dist_sync_fn``), ``"group"`` (an explicit
    process group).
    """
    warnings.simplefilter("ignore")
    calls: list[int] = []

    def my_gather(t: Tensor, group: Any = None) -> list[Tensor]:
        from calipers.utilities import gather_all_tensors

        calls.append(1)
        return gather_all_tensors(t, group)

    kwargs: dict[str, Any] = {}
    if mode == "fn":
        kwargs["dist_sync_fn"] = my_gather
    if mode == "group":
        kwargs["process_group"] = dist.new_group(list(range(world)))
    metric = ManyStates(**kwargs)
    for x, rows in rank_data(rank, scenario):
        metric.update(x, rows)
    local = snapshot(metric)
    with count_collectives() as counts:
        metric.sync()
    synced = {
        k: (v.clone() if isinstance(v, Tensor) else [t.clone() for t in v]) for k, v in metric.metric_state.items()
    }
    metric.unsync()
    value_counts = dict(counts)
    with count_collectives() as compute_counts:
        value = metric.compute()
    return {
        "synced": synced,
        "collectives": sum(value_counts.values()),
        "names": value_counts,
        "compute_collectives": sum(compute_counts.values()),
        "compute_value": value,
        "restored": snapshots_equal(local, snapshot(metric)) is None,
        "fn_calls": len(calls),
    }


def gather_uneven(rank: int, world: int) -> list[tuple[int, ...]]:
    """``gather_all_tensors`` with a 2-D tensor on rank 0 and an empty 1-D one on rank 1: the shapes gathered."""
    from calipers.utilities import gather_all_tensors

    t = torch.arange(6.0).reshape(3, 2) if rank == 0 else torch.empty(0)
    return [tuple(g.shape) for g in gather_all_tensors(t)]


def cat_with_user_gather(rank: int, world: int) -> list[float]:
    """A ``CatMetric`` of 2-D rows synced through ``gather_all_tensors`` as ``dist_sync_fn``; rank 1 has no data."""
    from calipers import CatMetric
    from calipers.utilities import gather_all_tensors

    metric = CatMetric(dist_sync_fn=gather_all_tensors)
    if rank == 0:
        metric.update(torch.arange(6.0).reshape(3, 2))
    warnings.simplefilter("ignore")
    return metric.compute().reshape(-1).tolist()


def cache_after_one_sided_update(rank: int, world: int) -> float:
    """Both ranks compute, then only rank 0 updates, then both compute again: must not hang, and must agree."""
    from calipers import SumMetric

    metric = SumMetric()
    metric.update(torch.tensor(1.0))
    metric.compute()
    if rank == 0:
        metric.update(torch.tensor(5.0))
    return float(metric.compute())
