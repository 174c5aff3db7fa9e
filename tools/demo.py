"""calipers demo: evaluate synthetic predictions on 2 processes (torch.distributed, gloo, localhost).

Each rank evaluates its own shard of a synthetic dataset (uneven shards: rank 1 gets fewer batches), the metrics
sync in ``compute``, and the synced values are checked against one process evaluating the whole dataset.
Metrics of domain packages join the demo when the domain is installed.

    ./dev demo
"""

from __future__ import annotations

import importlib
import os
import socket
import sys
import time
import warnings
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import torch
import torch.distributed as dist
import torch.multiprocessing as mp

WORLD = 2
N_BATCHES = 7  # rank 0 gets batches 0, 2, 4, 6 and rank 1 gets 1, 3, 5: uneven on purpose
BATCH = 64


def _data(i: int) -> dict[str, torch.Tensor]:
    """Batch ``i`` of a synthetic evaluation set: a loss, regression outputs, and class scores."""
    gen = torch.Generator().manual_seed(1000 + i)
    target = torch.randn(BATCH, generator=gen)
    labels = torch.randint(0, 5, (BATCH,), generator=gen)
    logits = torch.randn(BATCH, 5, generator=gen) + 2.0 * torch.nn.functional.one_hot(labels, 5)
    return {
        "loss": torch.rand(BATCH, generator=gen),
        "preds": target + 0.3 * torch.randn(BATCH, generator=gen),
        "target": target,
        "probs": logits.softmax(-1),
        "labels": labels,
    }


def _entries() -> list[tuple[str, Callable[[], Any], Callable[[dict[str, torch.Tensor]], tuple[Any, ...]]]]:
    """(name, factory, inputs-of-a-batch) for every metric in the demo; domain ones only if installed."""
    import calipers

    out: list[tuple[str, Callable[[], Any], Callable[[dict[str, torch.Tensor]], tuple[Any, ...]]]] = [
        ("MeanMetric(loss)", calipers.MeanMetric, lambda b: (b["loss"],)),
        ("SumMetric(loss)", calipers.SumMetric, lambda b: (b["loss"],)),
        ("MaxMetric(loss)", calipers.MaxMetric, lambda b: (b["loss"],)),
        ("MinMetric(loss)", calipers.MinMetric, lambda b: (b["loss"],)),
        ("CatMetric(loss).numel", calipers.CatMetric, lambda b: (b["loss"],)),
    ]
    optional = [
        ("calipers.regression", "MeanSquaredError", {}, lambda b: (b["preds"], b["target"])),
        ("calipers.regression", "MeanAbsoluteError", {}, lambda b: (b["preds"], b["target"])),
        ("calipers.regression", "R2Score", {}, lambda b: (b["preds"], b["target"])),
        ("calipers.regression", "PearsonCorrCoef", {}, lambda b: (b["preds"], b["target"])),
        ("calipers.regression", "SpearmanCorrCoef", {}, lambda b: (b["preds"], b["target"])),
        ("calipers.classification", "MulticlassAccuracy", {"num_classes": 5}, lambda b: (b["probs"], b["labels"])),
        ("calipers.classification", "MulticlassF1Score", {"num_classes": 5}, lambda b: (b["probs"], b["labels"])),
        ("calipers.classification", "MulticlassAUROC", {"num_classes": 5}, lambda b: (b["probs"], b["labels"])),
    ]
    for module_name, cls_name, kwargs, inputs in optional:
        try:
            cls = getattr(importlib.import_module(module_name), cls_name)
        except (ImportError, AttributeError):
            continue
        out.append((f"{cls_name}", lambda cls=cls, kwargs=kwargs: cls(**kwargs), inputs))
    try:
        from calipers.classification import (
            MulticlassAccuracy,
            MulticlassF1Score,
            MulticlassPrecision,
            MulticlassRecall,
            MulticlassSpecificity,
        )
    except ImportError:
        return out

    def collection() -> Any:  # one compute group (shared stat scores), one sync for the whole collection
        members = [MulticlassAccuracy, MulticlassPrecision, MulticlassRecall, MulticlassF1Score, MulticlassSpecificity]
        return calipers.MetricCollection([m(num_classes=5) for m in members], prefix="val/")

    out.append(("collection", collection, lambda b: (b["probs"], b["labels"])))
    return out


def _evaluate(batches: list[int]) -> dict[str, float]:
    values = {}
    for name, factory, inputs in _entries():
        metric = factory()
        for i in batches:
            metric.update(*inputs(_data(i)))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            value = metric.compute()
        if isinstance(value, dict):
            values.update({key: float(v) for key, v in value.items()})
        else:
            values[name] = float(value.numel()) if name.endswith(".numel") else float(value)
    return values


def _worker(rank: int, port: int, queue: Any) -> None:
    dist.init_process_group(
        "gloo", init_method=f"tcp://127.0.0.1:{port}", rank=rank, world_size=WORLD, timeout=timedelta(seconds=60)
    )
    try:
        queue.put((rank, _evaluate(list(range(rank, N_BATCHES, WORLD)))))
    finally:
        dist.destroy_process_group()


def main() -> int:
    os.environ.setdefault("GLOO_SOCKET_IFNAME", "lo")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    ctx = mp.get_context("spawn")
    queue = ctx.Queue()
    start = time.perf_counter()
    procs = [ctx.Process(target=_worker, args=(r, port, queue)) for r in range(WORLD)]
    for p in procs:
        p.start()
    results = dict(queue.get(timeout=300) for _ in range(WORLD))
    for p in procs:
        p.join(timeout=60)
    elapsed = time.perf_counter() - start
    single = _evaluate(list(range(N_BATCHES)))

    print(f"calipers demo: {N_BATCHES} batches of {BATCH} samples, {WORLD} gloo ranks (uneven shards)\n")
    print(f"{'metric':28} {'rank 0':>12} {'rank 1':>12} {'1 process':>12}  match")
    ok = True
    for name, expected in single.items():
        got = [results[r][name] for r in range(WORLD)]
        match = all(abs(g - expected) <= 1e-5 * max(1.0, abs(expected)) for g in got)
        ok &= match
        print(f"{name:28} {got[0]:12.6f} {got[1]:12.6f} {expected:12.6f}  {'yes' if match else 'NO'}")
    verdict = "All synced values equal the single-process ones." if ok else "MISMATCH"
    print(f"\n2-process run: {elapsed:.1f} s. {verdict}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
