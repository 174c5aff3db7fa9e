"""Workloads of the curve family: exact and binned binary AUROC / average precision, exact multiclass AUROC.

* ``curves_binary_exact``: ``BinaryAUROC`` / ``BinaryAveragePrecision`` (``thresholds=None``) on 2M samples fed in
  10 updates, then ``compute`` (rows ``auroc``, ``ap``); scikit-learn scores the whole arrays once.
* ``curves_binary_binned``: the same with ``thresholds=200`` (torcheval: ``BinaryBinnedAUROC``/``BinaryBinnedAUPRC``
  with 200 thresholds; scikit-learn has no binned variant).
* ``curves_multiclass_auroc``: ``MulticlassAUROC(50)`` exact (macro) on 200k samples in 10 updates, then ``compute``;
  scikit-learn: ``roc_auc_score(multi_class="ovr")``.

Targets are ratios to TorchMetrics measured in the same run.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

from calipers_bench.framework import CALIPERS, Bench, workload

BINARY_SAMPLES = 2_000_000
MULTICLASS_SAMPLES = 200_000
CLASSES = 50
BATCHES = 10
BINS = 200


def _binary_data() -> tuple[Any, Any]:
    import torch

    g = torch.Generator().manual_seed(0)
    preds = torch.rand(BINARY_SAMPLES, generator=g)
    return preds, (torch.rand(BINARY_SAMPLES, generator=g) < preds).long()


def _binary_metric(library: str, row: str, binned: bool) -> Any:
    kwargs: dict[str, Any] = {"thresholds": BINS} if binned else {}
    if library == CALIPERS:
        import calipers.classification as cal

        return getattr(cal, "BinaryAUROC" if row == "auroc" else "BinaryAveragePrecision")(**kwargs)
    if library == "torchmetrics":
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            import torchmetrics.classification as tm

        return getattr(tm, "BinaryAUROC" if row == "auroc" else "BinaryAveragePrecision")(**kwargs)
    import torcheval.metrics as te

    if binned:
        return (te.BinaryBinnedAUROC if row == "auroc" else te.BinaryBinnedAUPRC)(threshold=BINS)
    return (te.BinaryAUROC if row == "auroc" else te.BinaryAUPRC)()


def _stream(metric: Any, preds: Any, target: Any) -> Callable[[], Callable[[], object]]:
    pairs = list(zip(preds.chunk(BATCHES), target.chunk(BATCHES)))

    def prepare() -> Callable[[], object]:
        metric.reset()

        def run() -> object:
            for p, t in pairs:
                metric.update(p, t)
            return metric.compute()

        return run

    return prepare


def _ratio_check(bench: Bench, row: str, target: float) -> None:
    cal, tm = bench.median(CALIPERS, row), bench.median("torchmetrics", row)
    if cal and tm:
        bench.check("calipers/TorchMetrics", cal / tm, target, row=row)


def _binary(bench: Bench, binned: bool, target: float) -> None:
    preds, labels = _binary_data()
    for row in ("auroc", "ap"):
        for library in bench.libraries:
            if library == "sklearn":
                continue
            metric = _binary_metric(library, row, binned) if bench.available(library) else None
            prepare = _stream(metric, preds, labels) if metric is not None else (lambda: (lambda: None))
            bench.add(library, prepare, row=row, op=f"{BATCHES} updates + compute")
        if "sklearn" in bench.libraries:
            if binned:
                bench.record("sklearn", None, row=row, op=f"{BATCHES} updates + compute", note="no binned variant")
            else:
                p, t = preds.numpy(), labels.numpy()

                def sklearn_case(row: str = row, p: Any = p, t: Any = t) -> Callable[[], object]:
                    from sklearn.metrics import average_precision_score, roc_auc_score

                    score = roc_auc_score if row == "auroc" else average_precision_score
                    return lambda: score(t, p)

                bench.add("sklearn", sklearn_case, row=row, op=f"{BATCHES} updates + compute")
        _ratio_check(bench, row, target)


@workload(
    "classification.curves_binary_exact",
    domain="classification",
    description=f"BinaryAUROC / BinaryAveragePrecision, exact: {BINARY_SAMPLES:,} samples in {BATCHES} updates, "
    "then compute (scikit-learn: one call on the whole arrays)",
    peers=("torchmetrics", "torcheval", "sklearn"),
    repeat=7,  # about 0.3 s a run: a few more runs keep the median clear of a busy machine's spikes
    warmup=1,
)
def curves_binary_exact(bench: Bench) -> None:
    _binary(bench, binned=False, target=0.8)


@workload(
    "classification.curves_binary_binned",
    domain="classification",
    description=f"BinaryAUROC / BinaryAveragePrecision, thresholds={BINS}: {BINARY_SAMPLES:,} samples in {BATCHES} "
    "updates, then compute (torcheval: BinaryBinnedAUROC / BinaryBinnedAUPRC)",
    peers=("torchmetrics", "torcheval", "sklearn"),
    repeat=3,
    warmup=1,
)
def curves_binary_binned(bench: Bench) -> None:
    _binary(bench, binned=True, target=0.2)


@workload(
    "classification.curves_multiclass_auroc",
    domain="classification",
    description=f"MulticlassAUROC({CLASSES}), exact, macro: {MULTICLASS_SAMPLES:,} samples in {BATCHES} updates, "
    "then compute (scikit-learn: roc_auc_score(multi_class='ovr') on the whole arrays)",
    peers=("torchmetrics", "torcheval", "sklearn"),
    repeat=3,
    warmup=1,
)
def curves_multiclass_auroc(bench: Bench) -> None:
    import torch

    g = torch.Generator().manual_seed(0)
    preds = torch.randn(MULTICLASS_SAMPLES, CLASSES, generator=g).softmax(1)
    labels = torch.randint(0, CLASSES, (MULTICLASS_SAMPLES,), generator=g)
    op = f"{BATCHES} updates + compute"
    for library in bench.libraries:
        if library == "sklearn" or not bench.available(library):
            continue
        if library == CALIPERS:
            from calipers.classification import MulticlassAUROC

            metric: Any = MulticlassAUROC(CLASSES)
        elif library == "torchmetrics":
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                from torchmetrics.classification import MulticlassAUROC as TMAUROC

            metric = TMAUROC(CLASSES)
        else:
            from torcheval.metrics import MulticlassAUROC as TEAUROC

            metric = TEAUROC(num_classes=CLASSES)
        bench.add(library, _stream(metric, preds, labels), op=op)
    if "sklearn" in bench.libraries:
        p, t = preds.double().numpy(), labels.numpy()

        def sklearn_case() -> Callable[[], object]:
            from sklearn.metrics import roc_auc_score

            return lambda: roc_auc_score(t, p, multi_class="ovr")

        bench.add("sklearn", sklearn_case, op=op)
    _ratio_check(bench, "", 0.7)
