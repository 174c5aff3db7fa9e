"""EER, LogAUC and the at-fixed-X metrics against formulas applied in NumPy to scikit-learn's (exact) or NumPy's
(binned) curves."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch
from sklearn.metrics import precision_recall_curve as sk_pr_curve
from sklearn.metrics import roc_curve as sk_roc_curve

from calipers.classification.eer import EER, BinaryEER, MulticlassEER, MultilabelEER
from calipers.classification.logauc import BinaryLogAUC, LogAUC, MulticlassLogAUC, MultilabelLogAUC
from calipers.classification.recall_fixed_precision import (
    BinaryPrecisionAtFixedRecall,
    BinaryRecallAtFixedPrecision,
    MulticlassPrecisionAtFixedRecall,
    MulticlassRecallAtFixedPrecision,
    MultilabelPrecisionAtFixedRecall,
    MultilabelRecallAtFixedPrecision,
    PrecisionAtFixedRecall,
    RecallAtFixedPrecision,
)
from calipers.classification.sensitivity_specificity import (
    BinarySensitivityAtSpecificity,
    BinarySpecificityAtSensitivity,
    MulticlassSensitivityAtSpecificity,
    MulticlassSpecificityAtSensitivity,
    MultilabelSensitivityAtSpecificity,
    MultilabelSpecificityAtSensitivity,
    SensitivityAtSpecificity,
    SpecificityAtSensitivity,
)
from calipers.functional import classification as F
from calipers_testing import BadInput, MetricSpec, run_metric_tests

_gen = torch.Generator().manual_seed(31)
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


def _thr(thresholds):
    if thresholds is None:
        return None
    if isinstance(thresholds, int):
        return torch.linspace(0, 1, thresholds).double().numpy()
    return np.sort(np.asarray(thresholds, dtype=np.float32).astype(np.float64))


def _roc(p, t, thr):
    return _ref_roc_exact(p, t) if thr is None else _ref_roc_binned(p, t, thr)


def _pr(p, t, thr):
    if thr is None:
        return _ref_pr_exact(p, t)
    precision, recall, thresholds = _ref_pr_binned(p, t, thr)
    return precision, recall, thresholds


def eer_one(p, t, thr, _arg):
    fpr, tpr, _ = _roc(p, t, thr)
    gap = np.abs(fpr - (1 - tpr))
    i = np.flatnonzero(gap <= gap.min() + 1e-6)[0]  # the first smallest gap; ties are exact, not float noise
    return (fpr[i] + 1 - tpr[i]) / 2


def _tpr_at(x, fpr, tpr, top):
    """The curve's tpr at fpr ``x``: on a vertical run at ``x``, its top (``top``) or bottom; else interpolated."""
    on = fpr == x
    if on.any():
        return tpr[on].max() if top else tpr[on].min()
    j = int(np.clip(np.searchsorted(fpr, x) - 1, 0, len(fpr) - 2))  # outside the curve: its end segment, extended
    return tpr[j] + (tpr[j + 1] - tpr[j]) / (fpr[j + 1] - fpr[j]) * (x - fpr[j])


def logauc_one(p, t, thr, fpr_range):
    """Area under tpr against log10(fpr) between the bounds, divided by the width of the log range."""
    fpr, tpr, _ = _roc(p, t, thr)
    a, b = fpr_range
    inside = (fpr > a) & (fpr < b)
    xs = np.concatenate([[a], fpr[inside], [b]])
    ys = np.concatenate([[_tpr_at(a, fpr, tpr, True)], tpr[inside], [_tpr_at(b, fpr, tpr, False)]])
    return np.trapezoid(ys, np.log10(xs)) / (np.log10(b) - np.log10(a))


def _lexmax(rows):
    return max(rows) if rows else None


def recall_at_precision_one(p, t, thr, minimum):
    precision, recall, thresholds = _pr(p, t, thr)
    rows = [(r, q, h) for q, r, h in zip(precision[:-1], recall[:-1], thresholds) if q >= minimum]
    best = _lexmax(rows)
    value = 0.0 if best is None else best[0]
    return value, (np.nan if value == 0 else best[2])


def precision_at_recall_one(p, t, thr, minimum):
    precision, recall, thresholds = _pr(p, t, thr)
    rows = [(q, r, h) for q, r, h in zip(precision[:-1], recall[:-1], thresholds) if r >= minimum and not np.isnan(q)]
    best = _lexmax(rows)
    value = 0.0 if best is None else best[0]
    return value, (np.nan if value == 0 else best[2])


def sensitivity_at_specificity_one(p, t, thr, minimum):
    fpr, tpr, thresholds = _roc(p, t, thr)
    ok = np.flatnonzero(1 - fpr >= minimum)
    if not len(ok):
        return 0.0, 1e6
    i = ok[np.argmax(tpr[ok])]
    return tpr[i], thresholds[i]


def specificity_at_sensitivity_one(p, t, thr, minimum):
    fpr, tpr, thresholds = _roc(p, t, thr)
    ok = np.flatnonzero(tpr >= minimum)
    if not len(ok):
        return 0.0, 1e6
    i = ok[np.argmax(1 - fpr[ok])]
    return 1 - fpr[i], thresholds[i]


def make_ref(one, task, n=1, thresholds=None, ignore_index=None, arg=None, average=None):
    thr = _thr(thresholds)

    def reference(p, t):
        if task == "binary":
            keep = t != ignore_index if ignore_index is not None else np.ones_like(t, dtype=bool)
            return one(_sigmoid_if_logits(p[keep]), t[keep], thr, arg)
        if task == "multiclass":
            keep = t != ignore_index if ignore_index is not None else np.ones_like(t, dtype=bool)
            p, t = p[keep], t[keep]
            cols = [(p[:, k], (t == k).astype(np.int64)) for k in range(n)]
        else:
            valid = t != ignore_index if ignore_index is not None else np.ones_like(t, dtype=bool)
            cols = [(p[valid[:, k], k], t[valid[:, k], k]) for k in range(n)]
        values = [one(pk, tk, thr, arg) for pk, tk in cols]
        if isinstance(values[0], tuple):
            return np.array([v[0] for v in values]), np.array([v[1] for v in values])
        values = np.array(values)
        return values.mean() if average == "macro" else values

    return reference


_B_BAD = [BadInput((torch.rand(4), torch.tensor([0, 1, 2, 0])), ValueError, r"`target` values must be in \[0, 1\]")]

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
_CONFIGS = [(None, True, None), (5, False, None), (_GRID, True, -1), (None, False, -1)]

_FAMILIES = [
    # (one, (Binary, Multiclass, Multilabel), functional stem, argument name, value)
    (eer_one, (BinaryEER, MulticlassEER, MultilabelEER), "eer", None, None),
    (logauc_one, (BinaryLogAUC, MulticlassLogAUC, MultilabelLogAUC), "logauc", "fpr_range", (0.05, 0.5)),
    (
        recall_at_precision_one,
        (BinaryRecallAtFixedPrecision, MulticlassRecallAtFixedPrecision, MultilabelRecallAtFixedPrecision),
        "recall_at_fixed_precision",
        "min_precision",
        0.6,
    ),
    (
        precision_at_recall_one,
        (BinaryPrecisionAtFixedRecall, MulticlassPrecisionAtFixedRecall, MultilabelPrecisionAtFixedRecall),
        "precision_at_fixed_recall",
        "min_recall",
        0.5,
    ),
    (
        sensitivity_at_specificity_one,
        (BinarySensitivityAtSpecificity, MulticlassSensitivityAtSpecificity, MultilabelSensitivityAtSpecificity),
        "sensitivity_at_specificity",
        "min_specificity",
        0.6,
    ),
    (
        specificity_at_sensitivity_one,
        (BinarySpecificityAtSensitivity, MulticlassSpecificityAtSensitivity, MultilabelSpecificityAtSensitivity),
        "specificity_at_sensitivity",
        "min_sensitivity",
        0.5,
    ),
]


def _specs():
    specs = []
    for one, (b, mc, ml), stem, arg, value in _FAMILIES:
        extra = {} if arg is None else {arg: value}
        for thresholds, ties, ignore in _CONFIGS:
            sizes = (20, 16, 24, 18) if stem == "logauc" else _SIZES  # every column needs negatives
            tid = "exact" if thresholds is None else f"binned-{type(thresholds).__name__}"
            args = {"thresholds": thresholds, "ignore_index": ignore, **extra}
            mc_args = {"num_classes": 3, **args}
            ml_args = {"num_labels": 3, **args}
            if stem == "logauc":
                mc_args["average"] = ml_args["average"] = "none"
            specs += [
                MetricSpec(
                    b,
                    make_ref(one, "binary", 1, thresholds, ignore, value),
                    binary_batches(ties, ignore is not None, sizes),
                    metric_args={**args, "validate_args": True},
                    functional=getattr(F, f"binary_{stem}"),
                    bad_inputs=_B_BAD if ignore is None else (),
                    id=f"{b.__name__}-{tid}-{ignore}",
                ),
                MetricSpec(
                    mc,
                    make_ref(one, "multiclass", 3, thresholds, ignore, value),
                    multiclass_batches(3, ties, ignore is not None, sizes),
                    metric_args=mc_args,
                    functional=getattr(F, f"multiclass_{stem}"),
                    id=f"{mc.__name__}-{tid}-{ignore}",
                ),
                MetricSpec(
                    ml,
                    make_ref(one, "multilabel", 3, thresholds, ignore, value),
                    multilabel_batches(3, ties, ignore is not None, sizes),
                    metric_args=ml_args,
                    functional=getattr(F, f"multilabel_{stem}"),
                    id=f"{ml.__name__}-{tid}-{ignore}",
                ),
            ]
    return specs


SPECS = [
    *_specs(),
    MetricSpec(
        EER,
        make_ref(eer_one, "binary"),
        binary_batches(),
        metric_args={"task": "binary"},
        functional=F.eer,
        id="EER-facade",
    ),
    MetricSpec(
        LogAUC,
        make_ref(logauc_one, "multilabel", 2, 9, None, (0.05, 0.5)),
        multilabel_batches(2, sizes=(20, 16, 24)),
        metric_args={"task": "multilabel", "num_labels": 2, "thresholds": 9, "fpr_range": (0.05, 0.5)},
        functional=lambda p, t, **kw: F.logauc(p, t, average="none", **kw),
        id="LogAUC-facade",
    ),
    *[
        MetricSpec(
            facade,
            make_ref(one, "multiclass", 3, None, None, 0.5),
            multiclass_batches(3),
            metric_args={"task": "multiclass", "num_classes": 3, arg: 0.5},
            functional=getattr(F, stem),
            id=f"{facade.__name__}-facade",
        )
        for facade, one, stem, arg in [
            (RecallAtFixedPrecision, recall_at_precision_one, "recall_at_fixed_precision", "min_precision"),
            (PrecisionAtFixedRecall, precision_at_recall_one, "precision_at_fixed_recall", "min_recall"),
            (SensitivityAtSpecificity, sensitivity_at_specificity_one, "sensitivity_at_specificity", "min_specificity"),
            (SpecificityAtSensitivity, specificity_at_sensitivity_one, "specificity_at_sensitivity", "min_sensitivity"),
        ]
    ],
]


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.name)
def test_curve_points_harness(spec):
    run_metric_tests(spec)


def test_eer_averages():
    p, t = multiclass_batches(3, sizes=(40,))[0]
    micro = F.multiclass_eer(p, t, 3, average="micro")
    onehot = torch.nn.functional.one_hot(t, 3)
    assert torch.allclose(micro, F.binary_eer(p.flatten(), onehot.flatten()))
    fpr, tpr, _ = F.multiclass_roc(p, t, 3, average="macro")
    i = (fpr - (1 - tpr)).abs().argmin()
    assert torch.allclose(F.multiclass_eer(p, t, 3, average="macro"), (fpr[i] + 1 - tpr[i]) / 2)


def test_nothing_qualifies():
    p, t = torch.tensor([0.2, 0.8, 0.6]), torch.tensor([1, 0, 0])
    recall, threshold = F.binary_recall_at_fixed_precision(p, t, min_precision=1.0)
    assert recall.item() == 0 and threshold.isnan()
    sensitivity, threshold = F.binary_sensitivity_at_specificity(p, t, min_specificity=1.0)
    assert sensitivity.item() == 0.0 and threshold.item() == 1.0  # only the origin has specificity 1
    with pytest.warns(UserWarning, match="No positive samples"):
        specificity, threshold = F.binary_specificity_at_sensitivity(
            torch.rand(3), torch.zeros(3, dtype=torch.long), 0.5
        )
    assert specificity.item() == 0 and threshold.item() == 1e6


def test_logauc_single_point_warns():
    from calipers.exceptions import CalipersUserWarning

    with pytest.warns(CalipersUserWarning) as record:  # no sample: also no positive and no negative
        assert F.binary_logauc(torch.tensor([]), torch.tensor([], dtype=torch.long)).item() == 0
    assert any("At least two points" in str(w.message) for w in record)


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda: BinaryRecallAtFixedPrecision(min_precision=1.5), ValueError, "`min_precision` must be a float in"),
        (lambda: BinaryPrecisionAtFixedRecall(min_recall="0.5"), TypeError, "`min_recall` must be a float in"),
        (lambda: MultilabelSensitivityAtSpecificity(2, min_specificity=-0.1), ValueError, "`min_specificity` must"),
        (lambda: BinaryLogAUC(fpr_range=(0.5, 0.1)), ValueError, r"`fpr_range` must be a tuple \(a, b\)"),
        (lambda: MulticlassLogAUC(3, fpr_range=[0.1, 0.5]), TypeError, "`fpr_range` must be a tuple"),
        (lambda: MulticlassLogAUC(3, average="weighted"), ValueError, "`average` must be one of"),
        (lambda: MulticlassEER(3, average="weighted"), ValueError, "`average` must be one of"),
        (lambda: F.eer(torch.rand(3, 2), torch.ones(3, 2, dtype=torch.long), "multilabel"), TypeError, "`num_labels`"),
        (lambda: SpecificityAtSensitivity("binary2", 0.5), ValueError, "`task` must be one of"),
    ],
)
def test_argument_errors(call, error, match):
    with warnings.catch_warnings(), pytest.raises(error, match=match):
        call()
