"""Workloads of the regression correlations: streaming Pearson on 5M samples, Spearman and Kendall on tied data.

SciPy is not a peer of the framework (no ``cal/..`` column): where SciPy applies, its one-shot time on the whole
data is measured here, after the interleaved runs, and reported as a detail line with the ratio, together with the
accuracy of each library against SciPy's float64 value.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from typing import Any

from calipers_bench.framework import CALIPERS, Bench, workload

PEARSON_SAMPLES = 5_000_000
PEARSON_BATCHES = 50
SPEARMAN_SAMPLES = 5_000_000
SPEARMAN_BATCHES = 50
# Issue 6: ratios to TorchMetrics measured in the same run (5M samples in 50 batches, as the issue measured them).
PEARSON_TARGET = 1.1
SPEARMAN_TARGET = 0.5
KENDALL_SAMPLES = 10_000
KENDALL_BATCHES = 4


def _data(n: int, offset: float, ties: bool) -> tuple[Any, Any]:
    import torch

    g = torch.Generator().manual_seed(0)
    x = torch.randn(n, generator=g, dtype=torch.float64)
    y = 0.5 * x + torch.randn(n, generator=g, dtype=torch.float64)
    if ties:
        x, y = (4 * x).round(), (4 * y).round()
    return (offset + x).float(), (offset + y).float()


def _metric(library: str, name: str, **kwargs: Any) -> Any:
    if library == CALIPERS:
        import calipers.regression as module
    else:
        import torchmetrics.regression as module  # type: ignore[no-redef]
    return getattr(module, name)(**kwargs)


def _stream_case(metric: Any, preds: Any, target: Any, batches: int) -> Callable[[], Callable[[], object]]:
    pairs = list(zip(preds.chunk(batches), target.chunk(batches)))

    def prepare() -> Callable[[], object]:
        metric.reset()

        def run() -> object:
            for p, t in pairs:
                metric.update(p, t)
            return metric.compute()

        return run

    return prepare


def _scipy_seconds(fn: Callable[[], object], repeat: int) -> float | None:
    try:
        fn()
    except ImportError:
        return None
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def _correlation_workload(
    bench: Bench,
    name: str,
    scipy_name: str,
    n: int,
    batches: int,
    offset: float,
    ties: bool,
    goal: float | None = None,
    **kwargs: Any,
) -> None:
    import warnings

    preds, target = _data(n, offset, ties)
    values: dict[str, float] = {}
    for library in (CALIPERS, "torchmetrics"):
        if not bench.available(library):
            bench.add(library, lambda: (lambda: None), op=f"{batches} updates + compute")
            continue
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            metric = _metric(library, name, **kwargs)
            prepare = _stream_case(metric, preds, target, batches)
            values[library] = float(prepare()())
        bench.add(library, prepare, op=f"{batches} updates + compute")
    mine = bench.median(CALIPERS)
    theirs = bench.median("torchmetrics")
    if goal is not None and mine and theirs:
        bench.check("calipers/TorchMetrics", mine / theirs, goal)

    from scipy import stats

    p64, t64 = preds.double().numpy(), target.double().numpy()
    scipy_fn = getattr(stats, scipy_name)
    expected = float(scipy_fn(p64, t64).statistic)
    scipy_s = _scipy_seconds(lambda: scipy_fn(p64, t64), max(1, bench.repeat // 2))
    if scipy_s is not None and mine:
        bench.detail(
            f"scipy.stats.{scipy_name} (one call, float64): {scipy_s * 1e3:.1f} ms, cal/scipy = {mine / scipy_s:.2f}"
        )
    for library, value in values.items():
        bench.detail(f"{library}: value {value:.9f}, |value - scipy| = {abs(value - expected):.2e}")


@workload(
    "regression.pearson_5m",
    domain="regression",
    description=f"PearsonCorrCoef: {PEARSON_SAMPLES:,} float32 samples around 1e3 in {PEARSON_BATCHES} update calls, "
    "then compute (detail: scipy.stats.pearsonr on the whole data, and each library's error against it)",
    peers=("torchmetrics",),
    repeat=5,
    warmup=1,
)
def pearson_5m(bench: Bench) -> None:
    _correlation_workload(
        bench, "PearsonCorrCoef", "pearsonr", PEARSON_SAMPLES, PEARSON_BATCHES, 1e3, False, PEARSON_TARGET
    )


@workload(
    "regression.spearman_5m",
    domain="regression",
    description=f"SpearmanCorrCoef: {SPEARMAN_SAMPLES:,} float32 samples with many ties in {SPEARMAN_BATCHES} update "
    "calls, then compute (detail: scipy.stats.spearmanr)",
    peers=("torchmetrics",),
    repeat=5,
    warmup=1,
)
def spearman_5m(bench: Bench) -> None:
    _correlation_workload(
        bench, "SpearmanCorrCoef", "spearmanr", SPEARMAN_SAMPLES, SPEARMAN_BATCHES, 0.0, True, SPEARMAN_TARGET
    )


@workload(
    "regression.kendall_10k",
    domain="regression",
    description=f"KendallRankCorrCoef (tau-b): {KENDALL_SAMPLES:,} float32 samples with ties in {KENDALL_BATCHES} "
    "update calls, then compute (detail: scipy.stats.kendalltau)",
    peers=("torchmetrics",),
    repeat=3,
    warmup=1,
)
def kendall_10k(bench: Bench) -> None:
    _correlation_workload(bench, "KendallRankCorrCoef", "kendalltau", KENDALL_SAMPLES, KENDALL_BATCHES, 0.0, True)
