"""AUROC and average precision against scikit-learn (exact) and NumPy from the definition (binned)."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from sklearn.metrics import average_precision_score, roc_auc_score

from calipers.classification.auroc import AUROC, BinaryAUROC, MulticlassAUROC, MultilabelAUROC
from calipers.classification.average_precision import (
    AveragePrecision,
    BinaryAveragePrecision,
    MulticlassAveragePrecision,
    MultilabelAveragePrecision,
)
from calipers.exceptions import CalipersUserWarning
from calipers.functional.classification import (
    auroc,
    average_precision,
    binary_auroc,
    binary_average_precision,
    multiclass_auroc,
    multiclass_average_precision,
    multilabel_auroc,
    multilabel_average_precision,
)
from calipers_testing import BadInput, MetricSpec, run_metric_tests

_gen = torch.Generator().manual_seed(23)
_SIZES = (9, 6, 11, 7)
_GRID = [0.0, 0.25, 0.5, 0.75, 1.0]  # exactly representable: tied scores sit on the thresholds


def _scores(shape, ties):
    p = torch.rand(shape, generator=_gen)
    return (p * 4).round() / 4 if ties else p


def binary_batches(ties=False, ignore=False, sizes=_SIZES):
    out = []
    for n in sizes:
        t = torch.randint(0, 2, (n,), generator=_gen)
        if ignore:
            t[torch.rand(n, generator=_gen) < 0.2] = -1
        out.append((_scores(n, ties), t))
    return out


def multiclass_batches(c=3, ties=False, ignore=False, sizes=_SIZES):
    out = []
    for n in sizes:
        p = torch.rand(n, c, generator=_gen)
        p = p / p.sum(1, keepdim=True)
        if ties:
            p = (p * 4).round() / 4
        t = torch.randint(0, c, (n,), generator=_gen)
        if ignore:
            t[torch.rand(n, generator=_gen) < 0.2] = -1
        out.append((p, t))
    return out


def multilabel_batches(labels=3, ties=False, ignore=False, sizes=_SIZES):
    out = []
    for n in sizes:
        t = torch.randint(0, 2, (n, labels), generator=_gen)
        if ignore:
            t[torch.rand(n, labels, generator=_gen) < 0.2] = -1
        out.append((_scores((n, labels), ties), t))
    return out


# ---------------------------------------------------------------------------------------------- references
def _sigmoid_if_logits(p):
    return 1 / (1 + np.exp(-p)) if ((p < 0) | (p > 1)).any() else p


def _counts(p, t, thr):
    pp = p[:, None] >= thr[None, :]
    pos = (t == 1)[:, None]
    return (pp & pos).sum(0), (pp & ~pos).sum(0), (~pp & pos).sum(0), (~pp & ~pos).sum(0)


def _div(a, b):
    return np.where(b == 0, 0.0, a / np.where(b == 0, 1, b))


def _auroc_one(p, t, thr, max_fpr=None, multiclass=False):
    """AUROC of one binary problem; a problem without positives or negatives scores 0 (TorchMetrics' rule)."""
    if thr is None:
        if t.min() == t.max():
            return 0.0
        return roc_auc_score(t, p, max_fpr=max_fpr)
    tp, fp, fn, tn = _counts(p, t, thr)
    fpr, tpr = _div(fp, fp + tn)[::-1], _div(tp, tp + fn)[::-1]
    return np.trapezoid(tpr, fpr)


def _ap_one(p, t, thr, multiclass=False):
    """AP of one binary problem; without positives: NaN for a multiclass class, else 0 (TorchMetrics' rule)."""
    if thr is None:
        if t.sum() == 0:
            return np.nan if multiclass else 0.0
        return average_precision_score(t, p)
    tp, fp, fn, _ = _counts(p, t, thr)
    precision, recall = np.append(_div(tp, tp + fp), 1.0), np.append(_div(tp, tp + fn), 0.0)
    return np.sum((recall[:-1] - recall[1:]) * precision[:-1])


def _thr(thresholds):
    if thresholds is None:
        return None
    if isinstance(thresholds, int):
        return torch.linspace(0, 1, thresholds).double().numpy()
    return np.sort(np.asarray(thresholds, dtype=np.float32).astype(np.float64))


def _average(scores, average, weights):
    scores = np.asarray(scores, dtype=np.float64)
    if average in (None, "none"):
        return scores
    ok = ~np.isnan(scores)
    if average == "weighted":
        w = np.asarray(weights, dtype=np.float64)[ok]
        return np.sum(scores[ok] * w / w.sum()) if w.sum() else 0.0
    return scores[ok].mean()


def make_ref(score, task, n=1, thresholds=None, ignore_index=None, average="macro", max_fpr=None):
    thr = _thr(thresholds)

    def one(p, t, multiclass=False):
        if score == "auroc":
            return _auroc_one(p, t, thr, max_fpr)
        return _ap_one(p, t, thr, multiclass)

    def reference(p, t):
        if task == "binary":
            keep = t != ignore_index if ignore_index is not None else np.ones_like(t, dtype=bool)
            return one(_sigmoid_if_logits(p[keep]), t[keep])
        if task == "multiclass":
            keep = t != ignore_index if ignore_index is not None else np.ones_like(t, dtype=bool)
            p, t = p[keep], t[keep]
            scores = [one(p[:, k], (t == k).astype(np.int64), True) for k in range(n)]
            return _average(scores, average, [(t == k).sum() for k in range(n)])
        valid = t != ignore_index if ignore_index is not None else np.ones_like(t, dtype=bool)
        if average == "micro":
            return one(p[valid], t[valid])
        scores = [one(p[valid[:, k], k], t[valid[:, k], k]) for k in range(n)]
        return _average(scores, average, [(t[:, k] == 1).sum() for k in range(n)])

    return reference


_B_BAD = [
    BadInput((torch.rand(4), torch.tensor([0, 1, 2, 0])), ValueError, r"`target` values must be in \[0, 1\]"),
    BadInput((torch.tensor([1, 0, 1, 0]), torch.tensor([0, 1, 1, 0])), TypeError, "`preds` must be a floating-point"),
]
_MC_BAD = [
    BadInput((torch.rand(4, 4), torch.tensor([0, 1, 4, 0])), ValueError, r"`target` values must be in \[0, 3\]"),
    BadInput((torch.rand(4, 3), torch.tensor([0, 1, 2, 0])), ValueError, r"`preds.shape\[1\]` must be num_classes=4"),
]


# issue 17: NaN scores (validate_args), inputs on another device than the states (before any value is read), non-tensors
_DEVICE = r"must be on the (metric's )?device"
_B_BAD = [
    *_B_BAD,
    BadInput((torch.tensor([0.1, float("nan"), 0.3]), torch.tensor([0, 1, 1])), ValueError, "must hold only non-"),
    BadInput((torch.rand(4, device="meta"), torch.tensor([0, 1, 1, 0])), ValueError, _DEVICE),
    BadInput((torch.rand(4), torch.tensor([0, 1, 1, 0], device="meta")), ValueError, _DEVICE),
    BadInput(([0.1, 0.2, 0.3, 0.4], torch.tensor([0, 1, 1, 0])), TypeError, "`preds` must be a floating-point tensor"),
    BadInput((torch.rand(4), None), TypeError, "`target` must be a tensor, got NoneType"),
]
_MC_BAD = [
    *_MC_BAD,
    BadInput((torch.full((2, 4), float("nan")), torch.tensor([0, 1])), ValueError, "must hold only non-NaN"),
    BadInput((torch.rand(2, 4, device="meta"), torch.tensor([0, 1])), ValueError, _DEVICE),
    BadInput(([[0.5] * 4] * 2, torch.tensor([0, 1])), TypeError, "`preds` must be a floating-point tensor, got list"),
]


def _specs(score, classes, fns):
    binary_cls, multiclass_cls, multilabel_cls = classes
    fb, fmc, fml = fns
    specs = []
    configs = [
        (None, True, None, "macro"),
        (5, False, None, "weighted"),
        (_GRID, True, -1, "none"),
        (None, False, -1, "weighted"),
        (torch.tensor(_GRID), False, None, None),
    ]
    for thresholds, ties, ignore, average in configs:
        tid = "exact" if thresholds is None else f"binned-{type(thresholds).__name__}"
        args = {"thresholds": thresholds, "ignore_index": ignore}
        name = f"{tid}-{'ties' if ties else 'rand'}-{ignore}-{average}"
        specs.append(
            MetricSpec(
                binary_cls,
                make_ref(score, "binary", 1, thresholds, ignore),
                binary_batches(ties, ignore is not None),
                metric_args=args,
                functional=fb,
                bad_inputs=_B_BAD if ignore is None else (),
                id=f"{binary_cls.__name__}-{name}",
            )
        )
        specs.append(
            MetricSpec(
                multiclass_cls,
                make_ref(score, "multiclass", 4, thresholds, ignore, average),
                multiclass_batches(4, ties, ignore is not None),
                metric_args={"num_classes": 4, "average": average, **args},
                functional=fmc,
                bad_inputs=_MC_BAD if ignore is None else (),
                id=f"{multiclass_cls.__name__}-{name}",
            )
        )
        ml_average = "micro" if average is None else average
        specs.append(
            MetricSpec(
                multilabel_cls,
                make_ref(score, "multilabel", 3, thresholds, ignore, ml_average),
                multilabel_batches(3, ties, ignore is not None),
                metric_args={"num_labels": 3, "average": ml_average, **args},
                functional=fml,
                id=f"{multilabel_cls.__name__}-{tid}-{ignore}-{ml_average}",
            )
        )
    return specs


SPECS = [
    *_specs(
        "auroc",
        (BinaryAUROC, MulticlassAUROC, MultilabelAUROC),
        (binary_auroc, multiclass_auroc, multilabel_auroc),
    ),
    *_specs(
        "ap",
        (BinaryAveragePrecision, MulticlassAveragePrecision, MultilabelAveragePrecision),
        (binary_average_precision, multiclass_average_precision, multilabel_average_precision),
    ),
    MetricSpec(
        BinaryAUROC,
        make_ref("auroc", "binary", max_fpr=0.3),
        binary_batches(True, sizes=(12, 9, 14)),
        metric_args={"max_fpr": 0.3},
        functional=binary_auroc,
        id="BinaryAUROC-max_fpr",
    ),
    MetricSpec(
        BinaryAveragePrecision,
        make_ref("ap", "binary"),
        [(torch.randn(8, generator=_gen) * 3, t) for _, t in binary_batches(sizes=(8, 8, 8))],
        functional=binary_average_precision,
        batch_invariant=False,  # the logits rule is decided per batch
        id="BinaryAveragePrecision-logits",
    ),
    MetricSpec(
        AUROC,
        make_ref("auroc", "multiclass", 3),
        multiclass_batches(3),
        metric_args={"task": "multiclass", "num_classes": 3},
        functional=auroc,
        id="AUROC-facade",
    ),
    MetricSpec(
        AveragePrecision,
        make_ref("ap", "binary", 1, 7),
        binary_batches(),
        metric_args={"task": "binary", "thresholds": 7},
        functional=average_precision,
        id="AveragePrecision-facade",
    ),
]


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.name)
def test_auroc_ap_harness(spec):
    run_metric_tests(spec)


def test_absent_class():
    preds = torch.tensor([[0.6, 0.3, 0.1], [0.2, 0.7, 0.1], [0.5, 0.4, 0.1], [0.1, 0.8, 0.1]])
    target = torch.tensor([0, 1, 0, 1])  # class 2 never occurs
    with pytest.warns(CalipersUserWarning, match="No positive samples"):
        per_class = multiclass_auroc(preds, target, num_classes=3, average=None)
    assert per_class.tolist() == [1.0, 1.0, 0.0]
    with pytest.warns(CalipersUserWarning, match="ignored in the macro average"):
        macro = multiclass_average_precision(preds, target, num_classes=3)
    assert macro.item() == 1.0
    with pytest.warns(CalipersUserWarning, match="recall is undefined"):
        assert binary_average_precision(torch.rand(4), torch.zeros(4, dtype=torch.long)).item() == 0.0


def test_argument_errors():
    with pytest.raises(ValueError, match=r"BinaryAUROC: `max_fpr` must be None or a float in \(0, 1\], got 0"):
        BinaryAUROC(max_fpr=0)
    with pytest.raises(TypeError, match="`max_fpr` must be None or a float"):
        binary_auroc(torch.rand(3), torch.tensor([0, 1, 1]), max_fpr="0.5")
    with pytest.raises(ValueError, match="MulticlassAUROC: `average` must be one of"):
        MulticlassAUROC(num_classes=3, average="micro")
    with pytest.raises(ValueError, match="`average` must be one of"):
        multilabel_average_precision(torch.rand(3, 2), torch.ones(3, 2, dtype=torch.long), 2, average="samples")
    with pytest.raises(ValueError, match="`thresholds` must be None, an int >= 2"):
        AveragePrecision(task="binary", thresholds=0)


def test_collection_shares_one_update():
    from calipers import MetricCollection

    collection = MetricCollection([BinaryAUROC(thresholds=9), BinaryAveragePrecision(thresholds=9)])
    p, t = binary_batches()[0]
    collection.update(p, t)
    values = collection.compute()
    assert torch.allclose(values["BinaryAUROC"], binary_auroc(p, t, thresholds=9))
    assert torch.allclose(values["BinaryAveragePrecision"], binary_average_precision(p, t, thresholds=9))


@pytest.mark.parametrize(("n", "levels"), [(7, 3), (500, 0), (500, 20), (70_000, 0), (70_000, 500)])
def test_rank_auroc_is_sklearn_roc_auc_with_and_without_ties(n, levels):
    # The Mann-Whitney path of exact AUROC: no ties, a few ties, many ties; long columns sorted in threads.
    from sklearn.metrics import roc_auc_score

    from calipers.functional.classification._curve_scores import rank_auroc

    gen = torch.Generator().manual_seed(n + levels)
    scores = torch.rand(3, n, generator=gen)
    if levels:
        scores = (scores * levels).round() / levels
    positive = torch.rand(3, n, generator=gen) < 0.3
    positive[:, 0], positive[:, 1] = True, False
    got = rank_auroc(scores, positive)
    expected = [roc_auc_score(positive[i].numpy(), scores[i].numpy()) for i in range(3)]
    torch.testing.assert_close(got, torch.tensor(expected, dtype=torch.float64), rtol=0, atol=1e-12)
    assert rank_auroc(scores, torch.zeros_like(positive)) is None  # no positive: the curve path scores it
