"""The retrieval precision-recall curve and the recall at a fixed precision, against NumPy from the definitions."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
import torch

from calipers.functional.retrieval import retrieval_precision_recall_curve
from calipers.retrieval import RetrievalPrecisionRecallCurve, RetrievalRecallAtFixedPrecision
from calipers_testing import BadInput, MetricSpec, run_metric_tests

_QUERIES = (3, 7, 10, 11, 20, 42)
_SIZES = (9, 5, 1, 12, 7)


def _rows(ties: bool = False, seed: int = 0, shift: float = 0.01):
    g = torch.Generator().manual_seed(seed)
    total = sum(_SIZES)
    scores = torch.randint(0, 4, (total,), generator=g) / 4.0 if ties else torch.randperm(total, generator=g) / total
    scores = scores + shift
    out, start = [], 0
    for n in _SIZES:
        q = torch.tensor(_QUERIES)[torch.randint(0, len(_QUERIES), (n,), generator=g)]
        first = min(n, len(_QUERIES))
        q[:first] = torch.tensor(_QUERIES[:first])
        t = torch.randint(0, 2, (n,), generator=g).bool()
        t[q == 10] = False
        out.append((scores[start : start + n].clone(), t, q))
        start += n
    return out


def _curves(preds, target, indexes, max_k=None, adaptive=False, action="neg"):
    """Per-query precision/recall at k = 1..max_k (ties: non-relevant first), ``(Q, K)`` each, and empties."""
    sizes = [int((indexes == q).sum()) for q in np.unique(indexes)]
    k_max = max_k or max(sizes)
    ks = np.arange(1, k_max + 1)
    precisions, recalls = [], []
    for q in np.unique(indexes):
        m = indexes == q
        p, t = preds[m], target[m].astype(np.int64)
        if t.sum() == 0:
            if action == "skip":
                continue
            fill = 1.0 if action == "pos" else 0.0
            precisions.append(np.full(k_max, fill))
            recalls.append(np.full(k_max, fill))
            continue
        r = t[np.lexsort((t, -p))]
        hits = np.array([r[:k].sum() for k in ks], dtype=np.float64)
        precisions.append(hits / (np.minimum(ks, len(t)) if adaptive else ks))
        recalls.append(hits / t.sum())
    return np.array(precisions).reshape(-1, k_max), np.array(recalls).reshape(-1, k_max), ks


def _reference_curve(max_k=None, adaptive=False, action="neg", aggregation="mean"):
    def reference(preds, target, indexes):
        precision, recall, ks = _curves(preds, target, indexes, max_k, adaptive, action)
        if len(precision) == 0:
            out = np.zeros(len(ks)), np.zeros(len(ks)), ks
        elif aggregation == "max":
            out = precision.max(0), recall.max(0), ks
        else:
            out = precision.mean(0), recall.mean(0), ks
        return tuple(x[0] for x in out) if len(ks) == 1 else out  # one-element values are squeezed, as everywhere

    return reference


def _reference_recall_at_precision(min_precision, max_k=None, adaptive=False, action="neg"):
    def reference(preds, target, indexes):
        precision, recall, ks = _reference_curve(max_k, adaptive, action)(preds, target, indexes)
        ok = precision >= min_precision
        if not ok.any() or recall[ok].max() == 0:
            return 0.0, len(ks)
        best = recall[ok].max()
        return best, ks[ok & (recall == best)].max()

    return reference


_BAD = [
    BadInput((torch.rand(3), torch.ones(3), torch.zeros(3)), TypeError, "`indexes` must be an integer tensor"),
    BadInput((torch.rand(2), torch.tensor([0, 3]), torch.zeros(2).long()), ValueError, r"\[0, 1\]"),
]

SPECS = [
    MetricSpec(RetrievalPrecisionRecallCurve, _reference_curve(max_k=4), _rows(), metric_args={"max_k": 4},
               bad_inputs=_BAD, id="prcurve@4"),
    MetricSpec(RetrievalPrecisionRecallCurve, _reference_curve(max_k=15, adaptive=True, action="skip"),
               _rows(ties=True, seed=1), metric_args={"max_k": 15, "adaptive_k": True, "empty_target_action": "skip"},
               id="prcurve@15-adaptive-skip-ties"),
    MetricSpec(RetrievalPrecisionRecallCurve, _reference_curve(action="pos", aggregation="max"), _rows(seed=2),
               metric_args={"empty_target_action": "pos", "aggregation": "max"}, id="prcurve-maxk-none-pos-max"),
    MetricSpec(RetrievalRecallAtFixedPrecision, _reference_recall_at_precision(0.45, max_k=6), _rows(seed=3),
               metric_args={"min_precision": 0.45, "max_k": 6}, bad_inputs=_BAD, id="recall@precision0.45"),
    MetricSpec(RetrievalRecallAtFixedPrecision, _reference_recall_at_precision(0.99, max_k=3), _rows(seed=4),
               metric_args={"min_precision": 0.99, "max_k": 3}, id="recall@precision0.99-none"),
]  # fmt: skip
SPECS = [replace(spec, nan_policy="raise") for spec in SPECS]  # NaN scores are refused (docs/api/retrieval.md)


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.name)
def test_retrieval_curve_harness(spec):
    run_metric_tests(spec)


@pytest.mark.parametrize(("max_k", "adaptive_k"), [(None, False), (3, False), (20, False), (20, True)])
def test_retrieval_curve_functional_per_query(max_k, adaptive_k):
    import torchmetrics.functional.retrieval as tmf

    p, t, i = (torch.cat(x) for x in zip(*_rows(seed=5)))
    for q in _QUERIES:
        m = i == q
        ours = retrieval_precision_recall_curve(p[m], t[m], max_k=max_k, adaptive_k=adaptive_k)
        precision, recall, _ = _curves(p[m].double().numpy(), t[m].numpy(), np.zeros(int(m.sum())), max_k, adaptive_k)
        if t[m].sum() == 0:
            precision, recall = np.zeros_like(precision), np.zeros_like(recall)
        np.testing.assert_allclose(ours[0].numpy(), precision[0], atol=1e-6)
        np.testing.assert_allclose(ours[1].numpy(), recall[0], atol=1e-6)
        theirs = tmf.retrieval_precision_recall_curve(p[m], t[m], max_k=max_k, adaptive_k=adaptive_k)
        for a, b in zip(ours, theirs):
            torch.testing.assert_close(a, b.to(a.dtype), atol=1e-6, rtol=1e-5)


@pytest.mark.parametrize(
    ("cls", "kwargs"),
    [
        ("RetrievalPrecisionRecallCurve", {"max_k": 5}),
        ("RetrievalPrecisionRecallCurve", {"max_k": 30, "adaptive_k": True, "empty_target_action": "pos"}),
        ("RetrievalPrecisionRecallCurve", {"empty_target_action": "skip", "aggregation": "min"}),
        ("RetrievalRecallAtFixedPrecision", {"min_precision": 0.3, "max_k": 8}),
        ("RetrievalRecallAtFixedPrecision", {"min_precision": 0.0}),
    ],
)
def test_retrieval_curve_matches_torchmetrics(cls, kwargs):
    import torchmetrics.retrieval as tm

    import calipers.retrieval as cal

    ours, theirs = getattr(cal, cls)(**kwargs), getattr(tm, cls)(**kwargs)
    for p, t, i in _rows(seed=6):
        ours.update(p, t, i)
        theirs.update(p, t, i)
    for a, b in zip(ours.compute(), theirs.compute()):
        torch.testing.assert_close(a, b.to(a.dtype), atol=1e-6, rtol=1e-5)


def test_retrieval_curve_before_any_update():
    metric = RetrievalPrecisionRecallCurve(max_k=3)
    with pytest.warns(UserWarning, match="before `update`"):
        precision, recall, top_k = metric.compute()
    assert precision.tolist() == [0.0, 0.0, 0.0] and recall.tolist() == [0.0, 0.0, 0.0] and top_k.tolist() == [1, 2, 3]


@pytest.mark.parametrize("cls", [RetrievalPrecisionRecallCurve, RetrievalRecallAtFixedPrecision])
def test_retrieval_curve_plots(cls):
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    metric = cls(max_k=4)
    for batch in _rows(seed=7):
        metric.update(*batch)
    figure, axes = metric.plot()
    assert figure is not None and axes is not None
    plt.close(figure)
