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


# ---------------------------------------------------------------------------------------------- counting strategies
PATH_SHAPES = ((32, 10), (1000, 10), (10_000, 10), (10_000, 100))
PATH_CALLS = {32: 1000, 1000: 100, 10_000: 10}


def _dropped_strategies(num_classes: int) -> dict[str, Callable[[Any, Any], object]]:
    """The strategies stat scores used to choose among, kept here only to show why they were dropped (issue 12)."""
    import torch

    from calipers.functional.classification import _stat_scores

    c = num_classes

    def confusion_diagonal(p: Any, t: Any) -> object:  # confusion matrix, then its diagonal and sums
        cm = torch.bincount(p + c * t, minlength=c * c).reshape(c, c)
        tp, support, predicted = cm.diagonal(), cm.sum(1), cm.sum(0)
        return torch.stack([tp, predicted - tp, t.numel() - support - predicted + tp, support - tp])

    def confusion_times_table(p: Any, t: Any) -> object:  # confusion matrix times the per-code table
        table = _stat_scores._small_table(c).reshape(c * c, -1)
        return torch.bincount(p + c * t, minlength=c * c) @ table

    out = {"confusion-diagonal": confusion_diagonal}
    if c <= _stat_scores.TABLE_MAX_CLASSES:
        out["confusion-x-table"] = confusion_times_table
    return out


@workload(
    "classification.stat_scores_paths",
    domain="classification",
    description="Multiclass stat-scores counting strategies (labels in, validation off) and argmax variants on "
    f"{', '.join(f'{n}x{c}' for n, c in PATH_SHAPES)} scores; the torchmetrics column is its own counting "
    "(`_multiclass_stat_scores_update`) or `torch.argmax` on the same input",
    peers=("torchmetrics",),
    repeat=5,
    warmup=1,
)
def stat_scores_paths(bench: Bench) -> None:
    import torch

    from calipers.functional.classification import _inputs, _stat_scores

    for n, c in PATH_SHAPES:
        g = torch.Generator().manual_seed(n + c)
        preds, target = torch.randn(n, c, generator=g), torch.randint(0, c, (n,), generator=g)
        labels = preds.argmax(1)
        p2, t2 = labels.reshape(1, -1), target.reshape(1, -1)
        calls = PATH_CALLS[n]
        strategies: dict[str, Callable[[Any, Any], object]] = {
            "general": lambda p, t, c=c: _stat_scores._multiclass_stat_scores_update(
                p.reshape(1, -1), t.reshape(1, -1), c, "global", None
            ),
        }
        if c <= _stat_scores.TABLE_MAX_CLASSES:
            strategies["table"] = lambda p, t, c=c: _stat_scores._table_counts(p, t, c)
        strategies.update(_dropped_strategies(c))
        for label, fn in strategies.items():
            bench.add(
                CALIPERS, _repeat(fn, labels, target, calls), row=f"count/{label}/{n}x{c}", op="call", calls=calls
            )
            if bench.available("torchmetrics"):
                from torchmetrics.functional.classification.stat_scores import _multiclass_stat_scores_update

                tm = lambda p, t, c=c: _multiclass_stat_scores_update(p, t, c)  # noqa: E731
                bench.add(
                    "torchmetrics", _repeat(tm, p2, t2, calls), row=f"count/{label}/{n}x{c}", op="call", calls=calls
                )
        variants: dict[str, Callable[[Any], object]] = {
            "argmax": lambda x: x.argmax(1),
            "max-indices": lambda x: x.max(1).indices,
            "key": lambda x: _inputs.argmax_classes(x) if _inputs.key_argmax_applies(x) else None,
        }
        for label, fn in variants.items():
            if label == "key" and not _inputs.key_argmax_applies(preds):
                continue
            bench.add(CALIPERS, _repeat(fn, preds, None, calls), row=f"argmax/{label}/{n}x{c}", op="call", calls=calls)
            bench.add(
                "torchmetrics", _repeat(lambda x: x.argmax(1), preds, None, calls), row=f"argmax/{label}/{n}x{c}",
                op="call", calls=calls,
            )  # fmt: skip
        index = torch.randint(0, 3 * c + 1, (3 * n,), generator=g)
        bench.add(CALIPERS, _repeat(lambda i, c=c: _inputs.count_bins(i, 3 * c), index, None, calls),
                  row=f"bins/bincount/{n}x{c}", op="call", calls=calls)  # fmt: skip
        scatter = lambda i, c=c: torch.zeros(3 * c + 1, dtype=torch.long).scatter_add_(0, i, torch.ones_like(i))  # noqa: E731
        bench.add(CALIPERS, _repeat(scatter, index, None, calls), row=f"bins/scatter/{n}x{c}", op="call", calls=calls)
    # The NaN check of validate_args=True (issue 11 item 9): MulticlassAccuracy(10) updates of 32 x 10 with and
    # without validation, and the same with the NaN search switched off (what validation cost before it).
    from calipers.classification import MulticlassAccuracy

    g = torch.Generator().manual_seed(0)
    preds, target = torch.randn(32, 10, generator=g), torch.randint(0, 10, (32,), generator=g)
    for label, validate in (("validated", True), ("unvalidated", False)):
        metric = MulticlassAccuracy(10, validate_args=validate)
        bench.add(CALIPERS, _repeat(lambda p, t, m=metric: m.update(p, t), preds, target, CALLS),
                  row=f"update/{label}/32x10", op="call", calls=CALLS)  # fmt: skip
    bench.add(CALIPERS, _repeat(lambda p: _inputs.check_no_nan("m", "preds", p), preds, None, CALLS),
              row="update/nan-check-alone/32x10", op="call", calls=CALLS)  # fmt: skip


def _repeat(fn: Callable[..., object], a: Any, b: Any, calls: int) -> Callable[[], Callable[[], object]]:
    def prepare() -> Callable[[], object]:
        args = (a,) if b is None else (a, b)

        def run() -> None:
            for _ in range(calls):
                fn(*args)

        return run

    return prepare
