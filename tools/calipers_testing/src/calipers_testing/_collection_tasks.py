"""Collection, wrapper and tracker scenarios run on the DDP pool by calipers-base's tests (importable by workers).

``ten_metric_collection()`` builds a collection of 10 metrics with different inputs (routed by keyword), two of
them in one compute group, one nested wrapper; ``rank_batches(rank, scenario)`` says what each rank feeds it, so the
test can compute the expected values with NumPy from both ranks' data.
"""

from __future__ import annotations

import warnings
from typing import Any

import torch
from torch import Tensor

from calipers import CatMetric, MaxMetric, MeanMetric, MetricCollection, MinMetric, SumMetric
from calipers_testing._ddp_tasks import _detach, count_collectives
from calipers_testing.states import snapshot, snapshots_equal
from calipers_testing.toy_metrics import MeanAbsDiff, PerClassMean, ScaledAbsDiff, SumAbsDiff

__all__ = [
    "collection_case",
    "composed_case",
    "detached_case",
    "rank_batches",
    "ten_metric_collection",
    "tracker_case",
]


def ten_metric_collection(**options: Any) -> MetricCollection:
    """Ten metrics: 5 aggregations of ``value``, 3 over ``(preds, target)`` (2 share a group), a per-class mean
    of ``(values, labels)`` behind a ``ClasswiseWrapper`` and a ``BootStrapper`` of a mean."""
    from calipers.wrappers import BootStrapper, ClasswiseWrapper

    return MetricCollection(
        {
            "sum": SumMetric(**options),
            "mean": MeanMetric(**options),
            "max": MaxMetric(**options),
            "min": MinMetric(**options),
            "cat": CatMetric(**options),
            "mad": MeanAbsDiff(**options),
            "sad": SumAbsDiff(**options),
            "scaled": ScaledAbsDiff(2.0, **options),
            "classwise": ClasswiseWrapper(PerClassMean(3, **options), labels=["a", "b", "c"]),
            "boot": BootStrapper(
                MeanMetric(**options),
                num_bootstraps=3,
                sampling_strategy="multinomial",
                generator=torch.Generator().manual_seed(0),
            ),
        },
        prefix="val/",
    )


def rank_batches(rank: int, scenario: str) -> list[dict[str, Tensor]]:
    """The keyword batches ``rank`` feeds in ``scenario`` (``"uneven"``: 3 and 1 batches of different sizes;
    ``"empty_rank"``: rank 1 feeds nothing)."""
    gen = torch.Generator().manual_seed(500 + rank)
    n_batches = {"uneven": (3, 1), "empty_rank": (2, 0)}[scenario][rank]
    out = []
    for b in range(n_batches):
        n = 4 + 3 * b + 2 * rank
        out.append(
            {
                "value": torch.randn(n, generator=gen),
                "preds": torch.randn(n, generator=gen),
                "target": torch.randn(n, generator=gen),
                "values": torch.randn(n, generator=gen),
                "labels": torch.arange(n) % 3,
                "weight": torch.ones(n),
            }
        )
    return out


def collection_case(rank: int, world: int, scenario: str, mode: str) -> dict[str, Any]:
    """Feed this rank's batches to the 10-metric collection (``mode``: ``"update"`` or ``"forward"``), then
    ``compute`` under a collective counter. Returns the values, the collectives, whether the local states came
    back, the compute groups, a second compute's value and collectives, and ``forward``'s batch values."""
    warnings.simplefilter("ignore")
    collection = ten_metric_collection()
    batch_values = []
    for batch in rank_batches(rank, scenario):
        if mode == "update":
            collection.update(**batch)
        else:
            batch_values.append(_detach(collection(**batch)))
    before = snapshot_collection(collection)
    with count_collectives() as counts:
        value = collection.compute()
    restored = snapshots_equal(before, snapshot_collection(collection)) is None
    with count_collectives() as again:
        second = collection.compute()
    return {
        "value": _detach(value),
        "collectives": sum(counts.values()),
        "names": dict(counts),
        "restored": restored,
        "groups": collection.compute_groups,
        "second": _detach(second),
        "second_collectives": sum(again.values()),
        "batch_values": batch_values,
    }


def snapshot_collection(collection: MetricCollection) -> list[tuple[str, Any]]:
    out = []
    for name, metric in collection.items(keep_base=True, copy_state=False):
        out.extend((f"{name}{k}", v) for k, v in snapshot(metric))
    return out


def tracker_case(rank: int, world: int, steps: int) -> dict[str, Any]:
    """A ``MetricTracker`` of a collection over ``steps`` steps: ``compute_all`` syncs every step in one batch."""
    from calipers.wrappers import MetricTracker

    warnings.simplefilter("ignore")
    tracker = MetricTracker(MetricCollection([SumMetric(), MaxMetric()]), maximize=[True, True])
    for step in range(steps):
        tracker.increment()
        if rank == 0 or step % 2 == 0:  # rank 1 skips odd steps: an empty rank for those
            tracker.update(torch.arange(3.0) + 10 * step + rank)
    with count_collectives() as counts:
        value = tracker.compute_all()
    best = tracker.best_metric(return_step=True)
    return {"value": _detach(value), "collectives": sum(counts.values()), "best": best}


def composed_case(rank: int, world: int) -> dict[str, Any]:
    """A collection holding arithmetic between metrics (one operand shared by two expressions, one expression
    inside a wrapper) and a compute group with ``dist_sync_on_step``: forward values are global batch values."""
    from calipers.wrappers import MinMaxMetric

    warnings.simplefilter("ignore")
    total = SumMetric()
    collection = MetricCollection(
        {
            "ratio": total / MeanMetric(),
            "twice": total * 2,
            "minmax": MinMaxMetric(MaxMetric() - MinMetric()),
            "mad": MeanAbsDiff(dist_sync_on_step=True),
            "sad": SumAbsDiff(dist_sync_on_step=True),
        }
    )
    gen = torch.Generator().manual_seed(700 + rank)
    batch_values = []
    for _ in range(2):
        n = 3 + rank
        x, p, t = (torch.randn(n, generator=gen) for _ in range(3))
        batch_values.append(_detach(collection(value=x, preds=p, target=t)))
    with count_collectives() as counts:
        value = collection.compute()
    return {
        "value": _detach(value),
        "batch_values": batch_values,
        "collectives": sum(counts.values()),
        "groups": collection.compute_groups,
        "total_updates": total.update_count,
    }


def detached_case(rank: int, world: int) -> dict[str, Any]:
    """Rank 0 looks at a group member (which hands it a copy of the group's states), rank 1 does not: the
    collection, alone and inside a wrapper, must still sync the same states on both ranks."""
    from calipers.wrappers import MultitaskWrapper

    warnings.simplefilter("ignore")
    inner = MetricCollection({"mad": MeanAbsDiff(), "sad": SumAbsDiff()})
    wrapper = MultitaskWrapper({"task": inner})
    alone = MetricCollection({"mad": MeanAbsDiff(), "sad": SumAbsDiff()})
    gen = torch.Generator().manual_seed(900 + rank)
    p, t = torch.randn(4 + rank, generator=gen), torch.randn(4 + rank, generator=gen)
    wrapper.update({"task": p}, {"task": t})
    alone.update(p, t)
    if rank == 0:
        inner["sad"]
        alone["sad"]
    with count_collectives() as counts:
        values = {"wrapped": _detach(wrapper.compute()), "alone": _detach(alone.compute())}
    return {"values": values, "collectives": sum(counts.values())}
