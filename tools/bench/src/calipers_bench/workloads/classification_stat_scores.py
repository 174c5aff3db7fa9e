"""Workloads of the stat-scores family: per-call cost of small batches, and a large macro-F1 stream.

* ``mc_accuracy`` rows: ``MulticlassAccuracy(10)`` (macro, validation on), 2000 ``update`` calls, 2000 ``forward``
  calls and 2000 functional ``multiclass_accuracy`` calls on 32 samples of 10 logits (per-call time).
* ``mc_f1_macro``: ``MulticlassF1Score(100, average="macro")``, ``reset`` + 100 ``update`` calls of 10,000 samples of
  100 logits + ``compute`` (per update).
* ``classification.import``: ``import calipers.classification`` after ``import torch`` in a fresh interpreter (the
  peers: ``torchmetrics.classification``, ``torcheval.metrics``).

Targets are ratios to TorchMetrics measured in the same run.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from calipers_bench.framework import CALIPERS, Bench, workload
from calipers_bench.workloads.base import measure_imports

CALLS = 2000
F1_CALLS = 100
_TARGETS = {"update": 0.33, "forward": 0.25, "functional": 0.45, "f1": 0.9}
IMPORT_TARGET_S = 0.15
_IMPORTS = {
    CALIPERS: "calipers.classification",
    "torchmetrics": "torchmetrics.classification",
    "torcheval": "torcheval.metrics",
}


def _accuracy(library: str) -> Any:
    if library == CALIPERS:
        from calipers.classification import MulticlassAccuracy

        return MulticlassAccuracy(10)
    if library == "torchmetrics":
        from torchmetrics.classification import MulticlassAccuracy as TMAccuracy

        return TMAccuracy(10)
    from torcheval.metrics import MulticlassAccuracy as TEAccuracy

    return TEAccuracy(average="macro", num_classes=10)


def _accuracy_fn(library: str) -> Callable[..., Any]:
    if library == CALIPERS:
        from calipers.functional.classification import multiclass_accuracy

        return lambda p, t: multiclass_accuracy(p, t, num_classes=10)
    if library == "torchmetrics":
        from torchmetrics.functional.classification import multiclass_accuracy as tm_accuracy

        return lambda p, t: tm_accuracy(p, t, num_classes=10)
    from torcheval.metrics.functional import multiclass_accuracy as te_accuracy

    return lambda p, t: te_accuracy(p, t, average="macro", num_classes=10)


def _f1(library: str) -> Any:
    if library == CALIPERS:
        from calipers.classification import MulticlassF1Score

        return MulticlassF1Score(100, average="macro")
    if library == "torchmetrics":
        from torchmetrics.classification import MulticlassF1Score as TMF1

        return TMF1(100, average="macro")
    from torcheval.metrics import MulticlassF1Score as TEF1

    return TEF1(num_classes=100, average="macro")


def _ratio_check(bench: Bench, row: str, target: float) -> None:
    cal, tm = bench.median(CALIPERS, row), bench.median("torchmetrics", row)
    if cal and tm:
        bench.check("calipers/TorchMetrics", cal / tm, target, row=row)


@workload(
    "classification.mc_accuracy",
    domain="classification",
    description=f"MulticlassAccuracy(10), macro: {CALLS} update / forward / functional calls on 32 samples of "
    "10 logits (per-call time; torcheval has no forward)",
    peers=("torchmetrics", "torcheval"),
    repeat=7,
)
def mc_accuracy(bench: Bench) -> None:
    import torch

    g = torch.Generator().manual_seed(0)
    preds, target = torch.randn(32, 10, generator=g), torch.randint(0, 10, (32,), generator=g)

    for library in bench.libraries:
        metric = _accuracy(library) if bench.available(library) else None

        def prepare_update(metric: Any = metric) -> Callable[[], object]:
            metric.reset()

            def run() -> None:
                for _ in range(CALLS):
                    metric.update(preds, target)

            return run

        bench.add(library, prepare_update, row="update", op="call", calls=CALLS)

    for library in (CALIPERS, "torchmetrics"):
        metric = _accuracy(library) if bench.available(library) else None

        def prepare_forward(metric: Any = metric) -> Callable[[], object]:
            metric.reset()

            def run() -> None:
                for _ in range(CALLS):
                    metric(preds, target)

            return run

        bench.add(library, prepare_forward, row="forward", op="call", calls=CALLS)
    bench.record("torcheval", None, row="forward", op="call", note="torcheval metrics have no forward")

    for library in bench.libraries:
        fn = _accuracy_fn(library) if bench.available(library) else None

        def prepare_functional(fn: Any = fn) -> Callable[[], object]:
            def run() -> None:
                for _ in range(CALLS):
                    fn(preds, target)

            return run

        bench.add(library, prepare_functional, row="functional", op="call", calls=CALLS)

    for row in ("update", "forward", "functional"):
        _ratio_check(bench, row, _TARGETS[row])


@workload(
    "classification.mc_f1_macro",
    domain="classification",
    description=f"MulticlassF1Score(100, average='macro'): {F1_CALLS} updates of 10,000 x 100 logits, then compute "
    "(per update)",
    peers=("torchmetrics", "torcheval"),
    repeat=5,
    warmup=1,
)
def mc_f1_macro(bench: Bench) -> None:
    import torch

    g = torch.Generator().manual_seed(0)
    preds, target = torch.randn(10_000, 100, generator=g), torch.randint(0, 100, (10_000,), generator=g)
    for library in bench.libraries:
        metric = _f1(library) if bench.available(library) else None

        def prepare(metric: Any = metric) -> Callable[[], object]:
            def run() -> object:
                metric.reset()
                for _ in range(F1_CALLS):
                    metric.update(preds, target)
                return metric.compute()

            return run

        bench.add(library, prepare, op="update", calls=F1_CALLS)
    _ratio_check(bench, "", _TARGETS["f1"])


@workload(
    "classification.import",
    domain="classification",
    description="`import X` right after `import torch`, timed inside a fresh interpreter with bytecode "
    "(X = calipers.classification / torchmetrics.classification / torcheval.metrics)",
    peers=("torchmetrics", "torcheval"),
    repeat=5,
    warmup=1,
)
def classification_import(bench: Bench) -> None:
    measure_imports(bench, _IMPORTS, IMPORT_TARGET_S)
