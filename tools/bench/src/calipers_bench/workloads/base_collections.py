"""Workloads of calipers-base: MetricCollection ``update``/``forward`` with compute groups, and its distributed sync.

``base.collection_multiclass``: six multiclass metrics (accuracy, precision, recall, F1, specificity, all macro, and
a confusion matrix) in one collection, 500 ``update`` calls then 500 ``forward`` calls on 256 samples of 10
classes. Both libraries share states between the stat-scores metrics (calipers by state signature, TorchMetrics by
comparing states after the first update); TorchMetrics' ``forward`` ignores its groups.

``base.collection_sync``: ``compute()`` of a 10-metric collection on 2 gloo ranks with uneven data: collectives per
compute and the slowest rank's time. Row ``aggregation``: two each of Sum/Mean/Max/Min/Cat; row ``multiclass``: ten
multiclass metrics of calipers.classification (``n/a`` when it is not installed). The two libraries' values are
compared with each other.
"""

from __future__ import annotations

import json
import os
import tempfile
import time
import warnings
from collections.abc import Callable
from typing import Any

from calipers_bench.dist import CollectiveCounter, init_gloo, spawn
from calipers_bench.framework import CALIPERS, Bench, available, workload

CALLS = 500
BATCH = 256
NUM_CLASSES = 10
UPDATE_TARGET = 0.8
FORWARD_TARGET = 0.35
WORLD = 2
MAX_COLLECTIVES = 4
_MULTICLASS6 = ("Accuracy", "Precision", "Recall", "F1Score", "Specificity", "ConfusionMatrix")
_MULTICLASS10 = (
    "Accuracy", "Precision", "Recall", "F1Score", "Specificity", "StatScores", "HammingDistance",
    "NegativePredictiveValue", "ConfusionMatrix", "CohenKappa",
)  # fmt: skip


def _classification(library: str) -> Any:
    if library == CALIPERS:
        import calipers.classification as module
    else:
        import torchmetrics.classification as module
    return module


def _collection(library: str, names: tuple[str, ...]) -> Any:
    """A collection of ``Multiclass<name>`` metrics (macro averages) of ``library``."""
    module = _classification(library)
    if library == CALIPERS:
        from calipers import MetricCollection
    else:
        from torchmetrics import MetricCollection
    metrics = {}
    for name in names:
        cls = getattr(module, f"Multiclass{name}")
        args: dict[str, Any] = {"num_classes": NUM_CLASSES}
        if name in ("Accuracy", "Precision", "Recall", "F1Score", "Specificity", "NegativePredictiveValue"):
            args["average"] = "macro"
        metrics[name] = cls(**args)
    return MetricCollection(metrics)


def _batch(seed: int, n: int = BATCH) -> tuple[Any, Any]:
    import torch

    g = torch.Generator().manual_seed(seed)
    return torch.randn(n, NUM_CLASSES, generator=g), torch.randint(0, NUM_CLASSES, (n,), generator=g)


def _loop(method: Callable[..., object], batch: tuple[Any, Any], calls: int) -> Callable[[], None]:
    def run() -> None:
        for _ in range(calls):
            method(*batch)

    return run


@workload(
    "base.collection_multiclass",
    domain="base",
    description=f"MetricCollection of 6 multiclass metrics ({NUM_CLASSES} classes, {BATCH} samples): {CALLS} update "
    f"calls, then {CALLS} forward calls (per-call time)",
    peers=("torchmetrics",),
    repeat=5,
    warmup=1,
)
def collection_multiclass(bench: Bench) -> None:
    batch = _batch(0)
    libraries = [lib for lib in bench.libraries if available(lib)]
    for row in ("update", "forward"):
        for library in bench.libraries:

            def prepare(library: str = library, row: str = row) -> Callable[[], None]:
                collection = _collection(library, _MULTICLASS6)
                collection.update(*batch)  # TorchMetrics forms its groups on the first update: not timed
                collection.reset()
                if library != CALIPERS:
                    warnings.filterwarnings("ignore", module="torchmetrics")
                return _loop(collection.update if row == "update" else collection, batch, CALLS)

            bench.add(library, prepare, row=row, op="call", calls=CALLS)
    if CALIPERS in libraries:
        try:
            groups = _collection(CALIPERS, _MULTICLASS6).compute_groups
            bench.detail(f"calipers compute groups: {groups}", row="update")
        except ImportError as err:
            bench.detail(f"calipers: {err}", row="update")
    for row, target in (("update", UPDATE_TARGET), ("forward", FORWARD_TARGET)):
        ours, theirs = bench.median(CALIPERS, row), bench.median("torchmetrics", row)
        if ours and theirs:
            bench.check(f"calipers/torchmetrics {row}", ours / theirs, target, row=row)


# ---------------------------------------------------------------------------------------------------- the sync
def _aggregation(library: str) -> Any:
    if library == CALIPERS:
        import calipers as lib
        from calipers import MetricCollection
    else:
        import torchmetrics.aggregation as lib
        from torchmetrics import MetricCollection
    kinds = ("SumMetric", "MeanMetric", "MaxMetric", "MinMetric", "CatMetric")
    return MetricCollection({f"{k}_{i}": getattr(lib, k)() for k in kinds for i in range(2)})


def _rank_batches(rank: int, kind: str) -> list[tuple[Any, ...]]:
    count = 6 + 3 * rank  # uneven: the ranks hold different amounts of data
    if kind == "aggregation":
        import torch

        return [(torch.randn(50 + 7 * rank, generator=torch.Generator().manual_seed(100 * rank + i)),) for i in
                range(count)]  # fmt: skip
    return [_batch(100 * rank + i, 64 + 16 * rank) for i in range(count)]


def _flat(value: dict[str, Any]) -> Any:
    import torch

    return torch.cat([torch.as_tensor(value[k]).double().reshape(-1) for k in sorted(value)])


def _sync_worker(rank: int, world: int, port: int, out_path: str, repeat: int, warmup: int, libs: list[str]) -> None:
    import torch
    import torch.distributed as dist

    torch.set_num_threads(1)
    warnings.filterwarnings("ignore")
    init_gloo(rank, world, port)
    try:
        report: dict[str, Any] = {"times": {}, "counts": {}, "values": {}, "errors": {}}
        for kind in ("aggregation", "multiclass"):
            runners = {}
            for lib in libs:
                try:
                    collection = _aggregation(lib) if kind == "aggregation" else _collection(lib, _MULTICLASS10)
                    batches = _rank_batches(rank, kind)
                    for batch in batches:
                        collection.update(*batch)
                    dist.barrier()
                    with CollectiveCounter() as counter:
                        value = collection.compute()
                    report["counts"][f"{kind}/{lib}"] = counter.summary()
                    report["values"][f"{kind}/{lib}"] = _flat(value).tolist()
                    runners[lib] = (collection, batches[0])
                except Exception as err:  # the same failure happens on every rank
                    report["errors"][f"{kind}/{lib}"] = f"{type(err).__name__}: {err}"
            times: dict[str, list[float]] = {lib: [] for lib in runners}
            for rep in range(warmup + repeat):
                for lib, (collection, batch) in runners.items():
                    collection.update(*batch)  # untimed; clears cached values
                    dist.barrier()
                    start = time.perf_counter()
                    collection.compute()
                    if rep >= warmup:
                        times[lib].append(time.perf_counter() - start)
            per_rank: list[Any] = [None] * world
            dist.all_gather_object(per_rank, times)
            report["times"][kind] = {lib: [max(t[lib][i] for t in per_rank) for i in range(repeat)] for lib in times}
        if rank == 0:
            with open(out_path, "w", encoding="utf-8") as f:
                json.dump(report, f)
    finally:
        dist.destroy_process_group()


@workload(
    "base.collection_sync",
    domain="base",
    description=f"compute() of a 10-metric MetricCollection synced over {WORLD} gloo ranks with uneven data "
    "(rows: 10 aggregation metrics, 10 multiclass metrics); collectives per compute",
    peers=("torchmetrics",),
    repeat=15,
    warmup=2,
)
def collection_sync(bench: Bench) -> None:
    libs = [lib for lib in bench.libraries if available(lib)]
    with tempfile.TemporaryDirectory() as tmp:
        out_path = os.path.join(tmp, "sync.json")
        spawn(_sync_worker, WORLD, out_path, bench.repeat, bench.warmup, libs)
        with open(out_path, encoding="utf-8") as f:
            report = json.load(f)
    for kind in ("aggregation", "multiclass"):
        counts = []
        for lib in bench.libraries:
            key = f"{kind}/{lib}"
            if lib not in libs:
                bench.record(lib, None, row=kind, op="compute", note="not installed")
            elif key in report["errors"]:
                bench.record(lib, None, row=kind, op="compute", note=f"error: {report['errors'][key]}")
            else:
                bench.record(lib, report["times"][kind][lib], row=kind, op="compute")
                summary = report["counts"][key]
                counts.append(f"{lib} {summary['primitives']} ({dict(summary['by_primitive'])})")
        if counts:
            bench.detail("collectives per compute: " + "; ".join(counts), row=kind)
        ours, theirs = report["values"].get(f"{kind}/{CALIPERS}"), report["values"].get(f"{kind}/torchmetrics")
        if ours is not None and theirs is not None:
            agree = len(ours) == len(theirs) and all(abs(a - b) <= 1e-5 * (1 + abs(b)) for a, b in zip(ours, theirs))
            bench.detail(f"calipers and torchmetrics values {'agree' if agree else 'DIFFER'}", row=kind)
        if f"{kind}/{CALIPERS}" in report["counts"]:
            primitives = report["counts"][f"{kind}/{CALIPERS}"]["primitives"]
            bench.check("calipers collectives per compute", primitives, MAX_COLLECTIVES, row=kind)
