"""ROC and precision-recall curves against scikit-learn (exact) and NumPy from the definition (binned)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch
from sklearn.metrics import precision_recall_curve as sk_pr_curve
from sklearn.metrics import roc_curve as sk_roc_curve

from calipers.classification.precision_recall_curve import (
    BinaryPrecisionRecallCurve,
    MulticlassPrecisionRecallCurve,
    MultilabelPrecisionRecallCurve,
    PrecisionRecallCurve,
)
from calipers.classification.roc import ROC, BinaryROC, MulticlassROC, MultilabelROC
from calipers.exceptions import CalipersUserWarning
from calipers.functional.classification import (
    binary_precision_recall_curve,
    binary_roc,
    multiclass_precision_recall_curve,
    multiclass_roc,
    multilabel_precision_recall_curve,
    multilabel_roc,
    precision_recall_curve,
    roc,
)
from calipers_testing import BadInput, MetricSpec, run_metric_tests

_gen = torch.Generator().manual_seed(11)
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


def _ref_roc_exact(p, t):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fpr, tpr, thr = sk_roc_curve(t, p, drop_intermediate=False)
    thr = thr.copy()
    thr[0] = 1.0  # TorchMetrics' (and calipers') first point is labelled 1, scikit-learn's inf
    return (np.zeros_like(fpr) if (t == 0).sum() == 0 else fpr), (np.zeros_like(tpr) if t.sum() == 0 else tpr), thr


def _ref_pr_exact(p, t):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        precision, recall, thr = sk_pr_curve(t, p, drop_intermediate=False)
    return precision, recall, thr


def _counts(p, t, thr):
    """tp, fp, fn, tn at each threshold (prediction positive when score >= threshold)."""
    pp = p[:, None] >= thr[None, :]
    pos = (t == 1)[:, None]
    return (pp & pos).sum(0), (pp & ~pos).sum(0), (~pp & pos).sum(0), (~pp & ~pos).sum(0)


def _div(a, b, zero):
    return np.where(b == 0, zero, a / np.where(b == 0, 1, b))


def _ref_roc_binned(p, t, thr):
    tp, fp, fn, tn = _counts(p, t, thr)
    return _div(fp, fp + tn, 0.0)[::-1], _div(tp, tp + fn, 0.0)[::-1], thr[::-1]


def _ref_pr_binned(p, t, thr):
    tp, fp, fn, _ = _counts(p, t, thr)
    return np.append(_div(tp, tp + fp, np.nan), 1.0), np.append(_div(tp, tp + fn, np.nan), 0.0), thr


def _thr(thresholds):
    if thresholds is None:
        return None
    if isinstance(thresholds, int):
        return torch.linspace(0, 1, thresholds).double().numpy()
    return np.sort(np.asarray(thresholds, dtype=np.float32).astype(np.float64))


def make_binary_ref(curve, thresholds=None, ignore_index=None):
    thr = _thr(thresholds)

    def reference(p, t):
        keep = t != ignore_index if ignore_index is not None else np.ones_like(t, dtype=bool)
        p, t = _sigmoid_if_logits(p[keep]), t[keep]
        if thr is None:
            return _ref_roc_exact(p, t) if curve == "roc" else _ref_pr_exact(p, t)
        return _ref_roc_binned(p, t, thr) if curve == "roc" else _ref_pr_binned(p, t, thr)

    return reference


def _ref_pr_exact_class(p, t):
    """A class absent from a multiclass target: recall is undefined (NaN), as documented by TorchMetrics."""
    precision, recall, thr = _ref_pr_exact(p, t)
    if t.sum() == 0:
        recall = np.append(np.full(len(recall) - 1, np.nan), 0.0)
    return precision, recall, thr


def make_multi_ref(curve, task, n, thresholds=None, ignore_index=None):
    thr = _thr(thresholds)

    def reference(p, t):
        if task == "multiclass":
            keep = t != ignore_index if ignore_index is not None else np.ones_like(t, dtype=bool)
            p, t = p[keep], t[keep]
        columns = []
        for k in range(n):
            if task == "multiclass":
                pk, tk = p[:, k], (t == k).astype(np.int64)
            else:
                keep = t[:, k] != ignore_index if ignore_index is not None else np.ones(len(t), dtype=bool)
                pk, tk = p[keep, k], t[keep, k]
            if thr is None:
                pr = _ref_pr_exact_class if task == "multiclass" else _ref_pr_exact
                columns.append(_ref_roc_exact(pk, tk) if curve == "roc" else pr(pk, tk))
            else:
                columns.append(_ref_roc_binned(pk, tk, thr) if curve == "roc" else _ref_pr_binned(pk, tk, thr))
        if thr is None:
            return [list(c) for c in zip(*columns)]
        first, second, _ = zip(*columns)
        return np.stack(first), np.stack(second), columns[0][2]

    return reference


_B_BAD = [
    BadInput((torch.rand(4), torch.tensor([0, 1, 2, 0])), ValueError, r"`target` values must be in \[0, 1\]"),
    BadInput((torch.tensor([1, 0, 1, 0]), torch.tensor([0, 1, 1, 0])), TypeError, "`preds` must be a floating-point"),
    BadInput((torch.rand(3), torch.tensor([0, 1, 1, 0])), ValueError, "`preds` must have the shape of `target`"),
]
_MC_BAD = [
    BadInput((torch.rand(4, 3), torch.tensor([0, 1, 3, 0])), ValueError, r"`target` values must be in \[0, 2\]"),
    BadInput((torch.rand(4), torch.tensor([0, 1, 2, 0])), ValueError, r"`preds` must be scores of shape \(N, C"),
]
_ML_BAD = [BadInput((torch.rand(4, 2), torch.ones(4, 2, dtype=torch.long)), ValueError, "num_labels=3")]

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
    BadInput((torch.full((2, 3), float("nan")), torch.tensor([0, 1])), ValueError, "must hold only non-NaN"),
    BadInput((torch.rand(2, 3, device="meta"), torch.tensor([0, 1])), ValueError, _DEVICE),
    BadInput(([[0.5] * 3] * 2, torch.tensor([0, 1])), TypeError, "`preds` must be a floating-point tensor, got list"),
]
_ML_BAD = [
    *_ML_BAD,
    BadInput((torch.full((2, 3), float("nan")), torch.ones(2, 3, dtype=torch.long)), ValueError, "must hold only non-"),
    BadInput((torch.rand(2, 3), torch.ones(2, 3, dtype=torch.long, device="meta")), ValueError, _DEVICE),
]


def _specs(curve, binary_cls, multiclass_cls, multilabel_cls, fns):
    fb, fmc, fml = fns
    specs = []
    for thresholds, ties, ignore in [(None, True, None), (5, False, None), (_GRID, True, -1), (None, False, -1)]:
        tid = "exact" if thresholds is None else ("grid" if isinstance(thresholds, list) else f"binned{thresholds}")
        args = {"thresholds": thresholds, "ignore_index": ignore}
        specs.append(
            MetricSpec(
                binary_cls,
                make_binary_ref(curve, thresholds, ignore),
                binary_batches(ties, ignore is not None),
                metric_args=args,
                functional=fb,
                bad_inputs=_B_BAD if ignore is None else (),
                id=f"{binary_cls.__name__}-{tid}-{'ties' if ties else 'rand'}-{ignore}",
            )
        )
        specs.append(
            MetricSpec(
                multiclass_cls,
                make_multi_ref(curve, "multiclass", 3, thresholds, ignore),
                multiclass_batches(3, ties, ignore is not None),
                metric_args={"num_classes": 3, **args},
                functional=fmc,
                bad_inputs=_MC_BAD if ignore is None else (),
                id=f"{multiclass_cls.__name__}-{tid}-{ignore}",
            )
        )
        specs.append(
            MetricSpec(
                multilabel_cls,
                make_multi_ref(curve, "multilabel", 3, thresholds, ignore),
                multilabel_batches(3, ties, ignore is not None),
                metric_args={"num_labels": 3, **args},
                functional=fml,
                bad_inputs=_ML_BAD if ignore is None else (),
                id=f"{multilabel_cls.__name__}-{tid}-{ignore}",
            )
        )
    return specs


SPECS = [
    *_specs("roc", BinaryROC, MulticlassROC, MultilabelROC, (binary_roc, multiclass_roc, multilabel_roc)),
    *_specs(
        "pr",
        BinaryPrecisionRecallCurve,
        MulticlassPrecisionRecallCurve,
        MultilabelPrecisionRecallCurve,
        (binary_precision_recall_curve, multiclass_precision_recall_curve, multilabel_precision_recall_curve),
    ),
    MetricSpec(
        BinaryROC,
        make_binary_ref("roc"),
        [(torch.randn(8, generator=_gen) * 3, t) for _, t in binary_batches(sizes=(8, 8, 8))],
        functional=binary_roc,
        batch_invariant=False,  # the logits rule is decided per batch
        id="BinaryROC-logits",
    ),
    MetricSpec(
        ROC,
        make_binary_ref("roc", 5),
        binary_batches(),
        metric_args={"task": "binary", "thresholds": 5},
        functional=roc,
        id="ROC-facade",
    ),
    MetricSpec(
        PrecisionRecallCurve,
        make_multi_ref("pr", "multilabel", 2),
        multilabel_batches(2),
        metric_args={"task": "multilabel", "num_labels": 2},
        functional=precision_recall_curve,
        id="PrecisionRecallCurve-facade",
    ),
]


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.name)
def test_curves_harness(spec):
    run_metric_tests(spec)


def test_micro_average_is_the_pooled_binary_curve():
    p, t = multiclass_batches(3, sizes=(20,))[0]
    onehot = torch.nn.functional.one_hot(t, 3)
    for fn, ref in ((multiclass_roc, binary_roc), (multiclass_precision_recall_curve, binary_precision_recall_curve)):
        for thresholds in (None, 7):
            got = fn(p, t, num_classes=3, thresholds=thresholds, average="micro")
            expected = ref(p.flatten(), onehot.flatten(), thresholds=thresholds)
            for a, b in zip(got, expected):
                torch.testing.assert_close(a, b, equal_nan=True)


def _ref_interp(x, xp, fp):
    """Linear interpolation through the segment starting at the last ``xp <= x`` (vertical segments: slope 0)."""
    dx, dy = np.diff(xp), np.diff(fp)
    slope = np.where(dx == 0, 0.0, dy / np.where(dx == 0, 1, dx))
    idx = np.clip((x[:, None] >= xp[None, :]).sum(1) - 1, 0, len(slope) - 1)
    return slope[idx] * x + (fp[:-1] - slope * xp[:-1])[idx]


def test_macro_roc_is_the_mean_interpolated_curve():
    p, t = multiclass_batches(3, sizes=(30,))[0]
    fpr, tpr, thr = multiclass_roc(p, t, num_classes=3, average="macro")
    per_class = multiclass_roc(p, t, num_classes=3)
    grid = np.sort(np.concatenate([f.numpy() for f in per_class[0]]))
    assert np.allclose(fpr.numpy(), grid)
    mean = np.mean([_ref_interp(grid, f.numpy(), r.numpy()) for f, r in zip(per_class[0], per_class[1])], 0)
    assert np.allclose(tpr.numpy(), mean, atol=1e-6)
    assert thr.shape == fpr.shape


def test_no_positive_or_negative_samples_warn():
    p = torch.tensor([0.2, 0.6, 0.9])
    with pytest.warns(CalipersUserWarning, match="No positive samples"):
        fpr, tpr, _ = binary_roc(p, torch.zeros(3, dtype=torch.long))
    assert tpr.eq(0).all()
    with pytest.warns(CalipersUserWarning, match="No negative samples"):
        fpr, tpr, _ = binary_roc(p, torch.ones(3, dtype=torch.long))
    assert fpr.eq(0).all()
    with pytest.warns(CalipersUserWarning, match="recall is undefined"):
        _, recall, _ = binary_precision_recall_curve(p, torch.zeros(3, dtype=torch.long))
    assert recall[:-1].eq(1).all()


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"thresholds": 1}, ValueError, "`thresholds` must be None, an int >= 2"),
        ({"thresholds": "5"}, TypeError, "`thresholds` must be None, an int >= 2"),
        ({"thresholds": [0.1, 1.5]}, ValueError, "a list of floats in"),
        ({"thresholds": torch.rand(2, 2)}, ValueError, r"got a tensor of shape \(2, 2\)"),
        ({"ignore_index": 0.5}, TypeError, "`ignore_index` must be None or an int"),
    ],
)
def test_argument_errors(kwargs, error, match):
    with pytest.raises(error, match=match):
        BinaryROC(**kwargs)
    with pytest.raises(error, match=match):
        binary_precision_recall_curve(torch.rand(3), torch.tensor([0, 1, 1]), **kwargs)


def test_class_argument_errors():
    with pytest.raises(ValueError, match=r"MulticlassROC: `average` must be one of \['macro', 'micro', '?None'?\]"):
        MulticlassROC(num_classes=3, average="weighted")
    with pytest.raises(ValueError, match="`num_classes` must be an int >= 2"):
        MulticlassPrecisionRecallCurve(num_classes=1)
    with pytest.raises(TypeError, match="`num_labels` must be an int >= 2"):
        MultilabelROC(num_labels=None)
    with pytest.raises(ValueError, match=r"ROC: `task` must be one of \['binary', 'multiclass', 'multilabel'\]"):
        ROC(task="regression")
    assert isinstance(ROC(task="multilabel", num_labels=2), (ROC, MultilabelROC))


def test_checkpoint_state_names():
    binned, exact = BinaryROC(thresholds=5), MulticlassPrecisionRecallCurve(num_classes=3)
    binned.persistent(True)
    exact.persistent(True)
    assert list(binned.state_dict()) == ["confmat"]
    assert sorted(exact.state_dict()) == ["preds", "target"]


def test_plot_draws_curves():
    pytest.importorskip("matplotlib")
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from calipers.classification.auroc import BinaryAUROC

    p, t = binary_batches(sizes=(30,))[0]
    binary = BinaryROC()
    binary.update(p, t)
    fig, ax = binary.plot(score=True)
    assert ax.get_lines()[0].get_label().startswith("AUC=")
    plt.close(fig)
    mp, mt = multiclass_batches(3, sizes=(30,))[0]
    for metric in (MulticlassPrecisionRecallCurve(num_classes=3, thresholds=5), MultilabelROC(num_labels=3)):
        inputs = (
            (mp, mt) if isinstance(metric, MulticlassPrecisionRecallCurve) else multilabel_batches(3, sizes=(30,))[0]
        )
        metric.update(*inputs)
        fig, ax = metric.plot()
        assert len(ax.get_lines()) == 3
        plt.close(fig)
    scalar = BinaryAUROC()
    scalar.update(p, t)
    fig, _ = scalar.plot()
    plt.close(fig)
