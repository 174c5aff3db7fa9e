"""Workload of calipers-base: the distributed sync of a metric with 10 states, on 2 gloo ranks over loopback.

The metric has six float ``sum`` states of assorted shapes, a float ``max``, an int64 ``sum`` counter and two
``cat`` list states (float scores, int64 labels) whose lengths differ from rank to rank. The same class body is
built on ``calipers.Metric`` and on ``torchmetrics.Metric``; torcheval gets the equivalent metric in its own API
(``_add_state`` / ``merge_state``) and is synced with ``torcheval.metrics.toolkit.sync_and_compute``.

Each rank folds in its own batches; then, per library, one ``compute()`` runs under a collective counter, and its
value is checked against a reference built from every rank's raw batches. Timed repetitions follow, interleaved
across libraries: ``update`` with one small batch (untimed; it also clears the cached value), a barrier, then the
timed ``compute()``. A repetition's time is the slowest rank's.
"""

from __future__ import annotations

import json
import math
import os
import tempfile
import time
import warnings
from typing import Any

from calipers_bench.dist import CollectiveCounter, init_gloo, spawn
from calipers_bench.framework import CALIPERS, Bench, workload

WORLD = 2
NUM_LABELS = 4
FLOAT_SUMS: dict[str, tuple[int, ...]] = {
    "total": (),
    "squares": (),
    "by_label": (NUM_LABELS,),
    "moments": (4,),
    "histogram": (16,),
    "grid": (3, 3),
}
STATES = (*FLOAT_SUMS, "peak", "count", "scores", "labels")
MAX_COLLECTIVES = 3


# ---------------------------------------------------------------------------------------------------- the metric
def _batch(rank: int, index: int) -> tuple[Any, Any]:
    """Batch ``index`` of ``rank``: deterministic, with a rank-dependent size (so list lengths differ by rank)."""
    import torch

    g = torch.Generator().manual_seed(1000 * rank + index)
    n = 12 + 5 * rank
    return torch.randn(n, generator=g), torch.randint(0, NUM_LABELS, (n,), generator=g)


def _num_batches(rank: int) -> int:
    return 20 + 3 * rank


def _batch_sums(x: Any, y: Any) -> dict[str, Any]:
    """The contribution of one batch to every float ``sum`` state."""
    import torch

    return {
        "total": x.sum(),
        "squares": (x * x).sum(),
        "by_label": torch.bincount(y, weights=x, minlength=NUM_LABELS).to(x.dtype),
        "moments": torch.stack([x.abs().sum(), x.pow(3).sum(), x.clamp(min=0).sum(), x.clamp(max=0).sum()]),
        "histogram": torch.histc(x, bins=16, min=-3.0, max=3.0),
        "grid": x[:9].reshape(3, 3),
    }


def _label_max(x: Any, y: Any) -> Any:
    import torch

    return torch.full((NUM_LABELS,), -math.inf).scatter_reduce(0, y, x, reduce="amax")


def _summary(states: dict[str, Any]) -> Any:
    """Every state flattened into one float64 vector (list states concatenated first)."""
    import torch

    parts = []
    for name in STATES:
        value = states[name]
        if isinstance(value, list):
            value = torch.cat(value) if value else torch.empty(0)
        parts.append(value.reshape(-1).double())
    return torch.cat(parts)


def ten_state_metric(base: type) -> type:
    """The 10-state metric built on ``base`` (``calipers.Metric`` or ``torchmetrics.Metric``): same code."""
    import torch

    class TenStates(base):  # type: ignore[valid-type,misc]
        full_state_update = False

        def __init__(self, **kwargs: Any) -> None:
            super().__init__(**kwargs)
            for name, shape in FLOAT_SUMS.items():
                self.add_state(name, torch.zeros(shape), dist_reduce_fx="sum")
            self.add_state("peak", torch.full((NUM_LABELS,), -math.inf), dist_reduce_fx="max")
            self.add_state("count", torch.tensor(0, dtype=torch.long), dist_reduce_fx="sum")
            self.add_state("scores", [], dist_reduce_fx="cat")
            self.add_state("labels", [], dist_reduce_fx="cat")

        def update(self, x: Any, y: Any) -> None:
            for name, value in _batch_sums(x, y).items():
                setattr(self, name, getattr(self, name) + value)
            self.peak = torch.maximum(self.peak, _label_max(x, y))
            self.count += y.numel()
            self.scores.append(x)
            self.labels.append(y)

        def compute(self) -> Any:
            return _summary({name: getattr(self, name) for name in STATES})

    TenStates.__name__ = TenStates.__qualname__ = f"TenStates_{base.__module__.split('.')[0]}"
    return TenStates


def _torcheval_metric() -> Any:
    """The same metric in torcheval's API: states via ``_add_state``, an explicit ``merge_state``."""
    import torch
    from torcheval.metrics import Metric as TorchevalMetric

    class TenStatesTorcheval(TorchevalMetric[torch.Tensor]):
        def __init__(self) -> None:
            super().__init__()
            for name, shape in FLOAT_SUMS.items():
                self._add_state(name, torch.zeros(shape))
            self._add_state("peak", torch.full((NUM_LABELS,), -math.inf))
            self._add_state("count", torch.tensor(0, dtype=torch.long))
            self._add_state("scores", [])
            self._add_state("labels", [])

        def update(self, x: Any, y: Any) -> TenStatesTorcheval:
            for name, value in _batch_sums(x, y).items():
                setattr(self, name, getattr(self, name) + value)
            self.peak = torch.maximum(self.peak, _label_max(x, y))
            self.count += y.numel()
            self.scores.append(x)
            self.labels.append(y)
            return self

        def compute(self) -> Any:
            return _summary({name: getattr(self, name) for name in STATES})

        def merge_state(self, metrics: Any) -> TenStatesTorcheval:
            for other in metrics:
                for name in FLOAT_SUMS:
                    setattr(self, name, getattr(self, name) + getattr(other, name))
                self.peak = torch.maximum(self.peak, other.peak)
                self.count += other.count
                self.scores.extend(other.scores)
                self.labels.extend(other.labels)
            return self

        def _prepare_for_merge_state(self) -> None:  # one tensor per list state, as torcheval's own metrics do
            if len(self.scores) > 1:
                self.scores, self.labels = [torch.cat(self.scores)], [torch.cat(self.labels)]

    return TenStatesTorcheval()


def _reference(world: int, touches: int) -> Any:
    """The synced value computed from every rank's raw batches, without any process group."""
    import torch

    states: dict[str, Any] = {name: torch.zeros(shape) for name, shape in FLOAT_SUMS.items()}
    states.update(peak=torch.full((NUM_LABELS,), -math.inf), count=torch.tensor(0), scores=[], labels=[])
    for rank in range(world):
        batches = [_batch(rank, i) for i in range(_num_batches(rank))] + [_batch(rank, -1)] * touches
        for x, y in batches:
            for name, value in _batch_sums(x, y).items():
                states[name] = states[name] + value
            states["peak"] = torch.maximum(states["peak"], _label_max(x, y))
            states["count"] = states["count"] + y.numel()
            states["scores"].append(x)
            states["labels"].append(y)
    return _summary(states)


# ---------------------------------------------------------------------------------------------------- the ranks
def _make(library: str, rank: int) -> tuple[Any, Any]:
    """A metric fed with this rank's batches, and the function that syncs and computes it."""
    if library == CALIPERS:
        import calipers

        metric = ten_state_metric(calipers.Metric)()
        compute = metric.compute
    elif library == "torchmetrics":
        import torchmetrics

        metric = ten_state_metric(torchmetrics.Metric)()
        compute = metric.compute
    else:
        from torcheval.metrics.toolkit import sync_and_compute

        metric = _torcheval_metric()

        def compute() -> Any:
            return sync_and_compute(metric)

    for i in range(_num_batches(rank)):
        metric.update(*_batch(rank, i))
    return metric, compute


def _worker(rank: int, world: int, port: int, out_path: str, repeat: int, warmup: int, libraries: list[str]) -> None:
    import torch
    import torch.distributed as dist

    torch.set_num_threads(1)
    # torcheval 0.0.7 indexes with a list inside its gather; torch warns about it on every sync.
    warnings.filterwarnings("ignore", message="Using a non-tuple sequence", category=UserWarning)
    init_gloo(rank, world, port)
    try:
        touch = _batch(rank, -1)  # the small update that clears the cached value before each compute
        runners, errors, counts, agree = {}, {}, {}, {}
        reference = _reference(world, touches=1)
        for lib in libraries:
            try:
                metric, compute = _make(lib, rank)
                metric.update(*touch)
                dist.barrier()
                with CollectiveCounter() as counter:
                    value = compute()
                counts[lib] = counter.summary()
                agree[lib] = bool(value.shape == reference.shape and torch.allclose(value, reference, atol=1e-6))
                runners[lib] = (metric, compute)
            except Exception as err:  # the same failure happens on every rank: skip that library
                errors[lib] = f"{type(err).__name__}: {err}"
        times: dict[str, list[float]] = {lib: [] for lib in runners}
        for rep in range(warmup + repeat):
            for lib, (metric, compute) in runners.items():
                metric.update(*touch)
                dist.barrier()
                start = time.perf_counter()
                compute()
                elapsed = time.perf_counter() - start
                if rep >= warmup:
                    times[lib].append(elapsed)
        per_rank: list[Any] = [None] * world
        dist.all_gather_object(per_rank, times)
        if rank == 0:
            slowest = {lib: [max(t[lib][i] for t in per_rank) for i in range(repeat)] for lib in times}
            report = {"times": slowest, "counts": counts, "agree": agree, "errors": errors}
            with open(out_path, "w", encoding="utf-8") as f:
                json.dump(report, f)
    finally:
        dist.destroy_process_group()


# ---------------------------------------------------------------------------------------------------- the workload
def _describe(summary: dict[str, Any]) -> str:
    parts = ", ".join(f"{name} {n}" for name, n in summary["by_primitive"].items())
    text = f"{summary['primitives']} ({parts})" if parts else "0"
    if summary["calls"] != summary["primitives"]:
        text += f" from {summary['calls']} API calls"
    return text


@workload(
    "base.sync_10_states",
    domain="base",
    description=f"compute() of a 10-state metric (6 float sums, max, int64 sum, 2 uneven cat lists) synced over "
    f"{WORLD} gloo ranks on loopback; collectives per compute",
    peers=("torchmetrics", "torcheval"),
    repeat=30,
    warmup=3,
)
def sync_10_states(bench: Bench) -> None:
    libraries = [lib for lib in bench.libraries if bench.available(lib)]
    with tempfile.TemporaryDirectory() as tmp:
        out_path = os.path.join(tmp, "sync.json")
        spawn(_worker, WORLD, out_path, bench.repeat, bench.warmup, libraries)
        with open(out_path, encoding="utf-8") as f:
            report = json.load(f)
    collectives = []
    for lib in bench.libraries:
        if lib not in libraries:
            bench.record(lib, None, op="compute", note="not installed")
        elif lib in report["errors"]:
            bench.record(lib, None, op="compute", note=f"error: {report['errors'][lib]}")
        else:
            bench.record(lib, report["times"][lib], op="compute")
            collectives.append(f"{lib} {_describe(report['counts'][lib])}")
            if not report["agree"][lib]:
                bench.detail(f"{lib}: the synced value differs from the reference built from the raw batches")
    bench.detail("collectives per compute: " + "; ".join(collectives))
    if CALIPERS in report["counts"]:
        primitives = report["counts"][CALIPERS]["primitives"]
        bench.check("calipers collectives per compute", primitives, MAX_COLLECTIVES)
    bench.row(op="compute").extra.update(collectives=report["counts"], agree=report["agree"])
