"""Workloads of the regression error metrics: MSE and R² streamed over 5M samples in 50 batches.

Each timed call is the whole evaluation: ``reset``, 50 ``update`` calls of 100k samples, ``compute``. scikit-learn
(a peer column) computes the same value in one shot on the concatenated float32 arrays. After the timed runs, a
detail line gives each library's error against the float64 value (scikit-learn on float64 copies): the targets
have a mean of 10 and a standard deviation of 1, which is where float32 sums of squares start to lose digits.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from calipers_bench.framework import CALIPERS, Bench, workload

SAMPLES = 5_000_000
BATCHES = 50
OFFSET = 10.0
PEERS = ("torchmetrics", "torcheval", "sklearn")
_CLASSES = {"mse": "MeanSquaredError", "r2": "R2Score"}
_SKLEARN = {"mse": "mean_squared_error", "r2": "r2_score"}
# Targets for calipers / TorchMetrics: R2 pays for its float64 sums and exact constant-target detection.
_TARGETS = {"mse": 1.1, "r2": 1.1}  # issue 6: within noise of memory bandwidth


def _data() -> tuple[Any, Any]:
    import torch

    g = torch.Generator().manual_seed(0)
    target = OFFSET + torch.randn(SAMPLES, generator=g, dtype=torch.float64)
    preds = target + 0.5 * torch.randn(SAMPLES, generator=g, dtype=torch.float64)
    return preds.float(), target.float()


def _metric(library: str, which: str) -> Any:
    if library == CALIPERS:
        import calipers.regression as module
    elif library == "torchmetrics":
        import torchmetrics.regression as module  # type: ignore[no-redef]
    else:
        import torcheval.metrics as module  # type: ignore[no-redef]
    return getattr(module, _CLASSES[which])()


def _streamed(library: str, which: str, preds: Any, target: Any) -> Callable[[], Callable[[], object]]:
    pairs = list(zip(preds.chunk(BATCHES), target.chunk(BATCHES)))

    def prepare() -> Callable[[], object]:
        metric = _metric(library, which)

        def run() -> object:
            metric.reset()
            for p, t in pairs:
                metric.update(p, t)
            return metric.compute()

        return run

    return prepare


def _sklearn(which: str, preds: Any, target: Any) -> Callable[[], Callable[[], object]]:
    def prepare() -> Callable[[], object]:
        import sklearn.metrics

        fn = getattr(sklearn.metrics, _SKLEARN[which])
        p, t = preds.numpy(), target.numpy()
        return lambda: fn(t, p)

    return prepare


def _run(bench: Bench, which: str) -> None:
    preds, target = _data()
    for library in bench.libraries:
        if library == "sklearn":
            bench.add(library, _sklearn(which, preds, target), op="50 updates+compute")
        else:
            bench.add(library, _streamed(library, which, preds, target), op="50 updates+compute")
    bench.run()
    if not bench.available("sklearn"):
        return
    import sklearn.metrics

    exact = getattr(sklearn.metrics, _SKLEARN[which])(target.double().numpy(), preds.double().numpy())
    errors = []
    for library in bench.libraries:
        if library == "sklearn" or not bench.available(library):
            continue
        value = float(_streamed(library, which, preds, target)()())
        errors.append(f"{library} {abs(value - exact) / abs(exact):.1e}")
    bench.detail(f"relative error against float64 scikit-learn ({exact:.10g}): " + ", ".join(errors))
    tm = bench.median("torchmetrics")
    if tm:
        bench.check(f"calipers/torchmetrics ({which})", (bench.median(CALIPERS) or 0.0) / tm, _TARGETS[which])


@workload(
    "regression.mse_stream",
    domain="regression",
    description=f"MeanSquaredError: reset, {BATCHES} updates of {SAMPLES // BATCHES:,} float32 samples, compute "
    "(scikit-learn: one call on all samples)",
    peers=PEERS,
)
def mse_stream(bench: Bench) -> None:
    _run(bench, "mse")


@workload(
    "regression.r2_stream",
    domain="regression",
    description=f"R2Score: reset, {BATCHES} updates of {SAMPLES // BATCHES:,} float32 samples, compute "
    "(scikit-learn: one call on all samples); calipers sums the target in float64",
    peers=PEERS,
)
def r2_stream(bench: Bench) -> None:
    _run(bench, "r2")
