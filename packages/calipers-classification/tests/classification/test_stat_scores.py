"""Harness tests of the stat-scores family (stat scores, accuracy, precision, recall, F-beta, F1, specificity, NPV,
Hamming distance) against scikit-learn, or NumPy from the formula where scikit-learn has no such metric."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from sklearn.metrics import accuracy_score, multilabel_confusion_matrix, precision_recall_fscore_support

from calipers.classification import (
    Accuracy,
    BinaryAccuracy,
    BinaryF1Score,
    BinaryFBetaScore,
    BinaryHammingDistance,
    BinaryNegativePredictiveValue,
    BinaryPrecision,
    BinaryRecall,
    BinarySpecificity,
    BinaryStatScores,
    F1Score,
    FBetaScore,
    HammingDistance,
    MulticlassAccuracy,
    MulticlassF1Score,
    MulticlassFBetaScore,
    MulticlassHammingDistance,
    MulticlassNegativePredictiveValue,
    MulticlassPrecision,
    MulticlassRecall,
    MulticlassSpecificity,
    MulticlassStatScores,
    MultilabelAccuracy,
    MultilabelF1Score,
    MultilabelFBetaScore,
    MultilabelHammingDistance,
    MultilabelNegativePredictiveValue,
    MultilabelPrecision,
    MultilabelRecall,
    MultilabelSpecificity,
    MultilabelStatScores,
    NegativePredictiveValue,
    Precision,
    Recall,
    Specificity,
    StatScores,
)
from calipers.functional import classification as F
from calipers_testing import BadInput, MetricSpec, run_metric_tests

_gen = torch.Generator().manual_seed(5005)
_SIZES = [7, 3, 1, 12, 5]
_F32 = (torch.float32,)


# ------------------------------------------------------------------------------------------------ data
def _logits(*shape):
    """Scores that are logits in every batch, even a batch of one (|x| > 1)."""
    x = torch.randn(*shape, generator=_gen)
    return torch.where(x >= 0, x + 1.0, x - 1.0)


def _binary(kind="prob", extra=(), ignore=None):
    out = []
    for n in _SIZES:
        t = torch.randint(0, 2, (n, *extra), generator=_gen)
        if kind == "prob":
            p = torch.rand(n, *extra, generator=_gen)
        elif kind == "logit":
            p = _logits(n, *extra)
        else:
            p = torch.randint(0, 2, (n, *extra), generator=_gen)
        if ignore is not None:
            t = torch.where(torch.rand(t.shape, generator=_gen) < 0.25, ignore, t)
        out.append((p, t))
    return out


def _multiclass(c=4, kind="scores", extra=(), ignore=None, present=None):
    out = []
    for n in _SIZES:
        high = present or c
        t = torch.randint(0, high, (n, *extra), generator=_gen)
        if kind == "scores":
            p = torch.randn(n, c, *extra, generator=_gen)
        else:
            p = torch.randint(0, high, (n, *extra), generator=_gen)
        if ignore is not None:
            t = torch.where(torch.rand(t.shape, generator=_gen) < 0.25, ignore, t)
        out.append((p, t))
    return out


def _multilabel(num_labels=3, kind="prob", extra=(), ignore=None, negative=False):
    out = []
    for n in _SIZES:
        shape = (n, num_labels, *extra)
        t = torch.zeros(shape, dtype=torch.long) if negative else torch.randint(0, 2, shape, generator=_gen)
        p = torch.rand(shape, generator=_gen) if kind == "prob" else _logits(*shape)
        if ignore is not None:
            t = torch.where(torch.rand(shape, generator=_gen) < 0.25, ignore, t)
        out.append((p, t))
    return out


# ------------------------------------------------------------------------------------------------ references
def _sigmoid_if_logits(p):
    return 1 / (1 + np.exp(-p)) if ((p < 0) | (p > 1)).any() else p


def _labels(preds, target, task, threshold=0.5, top_k=1):
    """NumPy predicted labels; top_k: the target when among the k best scores, else the best score."""
    if task == "multiclass":
        if preds.ndim == target.ndim + 1:
            order = np.argsort(-preds, axis=1, kind="stable")
            best = order[:, 0]
            hit = (order[:, :top_k] == target[:, None]).any(axis=1)
            return np.where(hit, target, best)
        return preds
    if preds.dtype.kind == "f":
        return (_sigmoid_if_logits(preds) > threshold).astype(np.int64)
    return preds


def _counts(p, t, task, num_classes):
    """Per-class (tp, fp, tn, fn) of 1-D label arrays via scikit-learn's per-class confusion matrices."""
    if task == "multilabel":
        mcm = multilabel_confusion_matrix(t, p) if len(t) else np.zeros((p.shape[1], 2, 2), int)
    else:
        labels = list(range(num_classes)) if task == "multiclass" else [1]
        mcm = multilabel_confusion_matrix(t, p, labels=labels) if len(t) else np.zeros((len(labels), 2, 2), int)
    return mcm[:, 1, 1], mcm[:, 0, 1], mcm[:, 0, 0], mcm[:, 1, 0]


def _formula(metric, tp, fp, tn, fn, task, beta=1.0, zero_division=0):
    def div(a, b):
        a, b = np.asarray(a, float), np.asarray(b, float)
        return np.where(b == 0, float(zero_division), a / np.where(b == 0, 1, b))

    acc = div(tp, tp + fn) if task == "multiclass" else div(tp + tn, tp + tn + fp + fn)
    return {
        "accuracy": lambda: acc,
        "hamming": lambda: 1 - acc,
        "specificity": lambda: div(tn, tn + fp),
        "npv": lambda: div(tn, tn + fn),
    }[metric]()


def _reference(metric, task, average="micro", threshold=0.5, num_classes=None, top_k=1, ignore_index=None,
               samplewise=False, beta=1.0, zero_division=0):  # fmt: skip
    """A reference ``f(preds, target)``: scikit-learn for precision/recall/F-beta/micro accuracy, else the formula."""

    def one(preds, target):
        p = _labels(preds, target, task, threshold, top_k)
        t = target
        if task == "multilabel":  # (N, L, ...) -> (N*..., L)
            p = np.moveaxis(p, 1, -1).reshape(-1, p.shape[1])
            t = np.moveaxis(t, 1, -1).reshape(-1, t.shape[1])
        else:
            p, t = p.reshape(-1), t.reshape(-1)
        if ignore_index is not None:
            if task == "multilabel":
                keep = t != ignore_index
                p, t = np.where(keep, p, 0), np.where(keep, t, 0)
                tp, fp, tn, fn = (
                    ((p == 1) & (t == 1) & keep).sum(0),
                    ((p == 1) & (t == 0) & keep).sum(0),
                    ((p == 0) & (t == 0) & keep).sum(0),
                    ((p == 0) & (t == 1) & keep).sum(0),
                )
                return _finish(tp, fp, tn, fn, p, t)
            keep = t != ignore_index
            p, t = p[keep], t[keep]
        tp, fp, tn, fn = _counts(p, t, task, num_classes)
        return _finish(tp, fp, tn, fn, p, t)

    def _finish(tp, fp, tn, fn, p, t):
        average_ = "binary" if task == "binary" else average
        if metric == "stat_scores":
            res = np.stack([tp, fp, tn, fn, tp + fn], -1)
            if task == "binary":
                return res[0]
            if average == "micro":
                return res.sum(0)
            if average == "macro":
                return res.mean(0)
            if average == "weighted":
                w = (tp + fn) / max((tp + fn).sum(), 1)
                return (res * w[:, None]).sum(0)
            return res
        if metric in ("precision", "recall", "fbeta") and ignore_index is None:
            if task == "binary":
                kw = {"average": "binary", "labels": None}
            elif average == "micro" or average == "none":
                kw = {
                    "average": None if average == "none" else "micro",
                    "labels": list(range(num_classes or p.shape[1])),
                }
            elif task == "multiclass" and top_k > 1 and metric != "fbeta":
                kw = {"average": average, "labels": sorted(set(t.tolist()))}
            else:
                kw = {"average": average, "labels": list(range(p.shape[1])) if task == "multilabel" else None}
            if len(t) == 0:
                return np.nan
            pr, rc, fb, _ = precision_recall_fscore_support(t, p, beta=beta, zero_division=zero_division, **kw)
            return {"precision": pr, "recall": rc, "fbeta": fb}[metric]
        if metric == "accuracy" and task == "multiclass" and average == "micro" and len(t):
            return accuracy_score(t, p)
        if metric in ("precision", "recall", "fbeta"):  # with ignore_index: the formula on the kept positions
            b2 = beta**2
            num = {"precision": tp, "recall": tp, "fbeta": (1 + b2) * tp}[metric]
            den = {"precision": tp + fp, "recall": tp + fn, "fbeta": (1 + b2) * tp + b2 * fn + fp}[metric]
            if average_ == "micro":
                num, den = num.sum(), den.sum()
            score = np.where(den == 0, float(zero_division), num / np.where(den == 0, 1, den))
        else:
            if average_ == "micro":
                tp, fp, tn, fn = tp.sum(), fp.sum(), tn.sum(), fn.sum()
            score = _formula(metric, tp, fp, tn, fn, task, beta, zero_division)
        if task == "binary":
            return score[0]
        if average == "micro" or average == "none":
            return score
        if average == "weighted":
            w = (tp + fn).astype(float)
        elif task == "multilabel":
            w = np.ones_like(score)
        elif top_k > 1 and metric not in ("fbeta", "specificity", "hamming"):
            w = (tp + fn > 0).astype(float)
        else:
            w = (tp + fp + fn > 0).astype(float)
        return float((w * score).sum() / w.sum()) if w.sum() else 0.0

    def ref(preds, target):
        if not samplewise:
            return one(preds, target)
        return np.stack([np.asarray(one(preds[i : i + 1], target[i : i + 1]), float) for i in range(len(target))])

    return ref


# ------------------------------------------------------------------------------------------------ specs
_CLASSES = {
    "stat_scores": (BinaryStatScores, MulticlassStatScores, MultilabelStatScores, StatScores),
    "accuracy": (BinaryAccuracy, MulticlassAccuracy, MultilabelAccuracy, Accuracy),
    "precision": (BinaryPrecision, MulticlassPrecision, MultilabelPrecision, Precision),
    "recall": (BinaryRecall, MulticlassRecall, MultilabelRecall, Recall),
    "fbeta": (BinaryFBetaScore, MulticlassFBetaScore, MultilabelFBetaScore, FBetaScore),
    "f1": (BinaryF1Score, MulticlassF1Score, MultilabelF1Score, F1Score),
    "specificity": (BinarySpecificity, MulticlassSpecificity, MultilabelSpecificity, Specificity),
    "npv": (
        BinaryNegativePredictiveValue,
        MulticlassNegativePredictiveValue,
        MultilabelNegativePredictiveValue,
        NegativePredictiveValue,
    ),
    "hamming": (BinaryHammingDistance, MulticlassHammingDistance, MultilabelHammingDistance, HammingDistance),
}
_FUNCTIONALS = {
    "stat_scores": "stat_scores",
    "accuracy": "accuracy",
    "precision": "precision",
    "recall": "recall",
    "fbeta": "fbeta_score",
    "f1": "f1_score",
    "specificity": "specificity",
    "npv": "negative_predictive_value",
    "hamming": "hamming_distance",
}
_TASK_INDEX = {"binary": 0, "multiclass": 1, "multilabel": 2}

_BAD_BINARY = [
    BadInput((torch.rand(3), torch.tensor([0, 1])), ValueError, r"`preds` must have the shape of `target` \(2,\)"),
    BadInput(
        (torch.rand(2), torch.tensor([0.0, 0.5])), ValueError, r"`target` values must be whole numbers in \[0, 1\]"
    ),
    BadInput((torch.rand(2), torch.tensor([0, 2])), ValueError, r"`target` values must be in \[0, 1\], got 2"),
    BadInput((torch.tensor([0, 3]), torch.tensor([0, 1])), ValueError, r"`preds` values must be in \[0, 1\], got 3"),
    BadInput(([0.1, 0.2], torch.tensor([0, 1])), TypeError, "`preds` must be a tensor, got list"),
    BadInput((torch.tensor([0.1, float("nan")]), torch.tensor([0, 1])), ValueError, "`preds` must hold only non-NaN"),
]
_BAD_MULTICLASS = [
    BadInput((torch.randn(2, 3), torch.tensor([0, 1])), ValueError, r"`preds.shape\[1\]` must be num_classes=4, got 3"),
    BadInput((torch.randn(2, 4), torch.tensor([0, 4])), ValueError, r"`target` values must be in \[0, 3\], got 4"),
    BadInput((torch.randn(2, 4), torch.tensor([0.0, 1.3])), ValueError, r"`target` values must be whole numbers in"),
    BadInput(
        (torch.tensor([[0.1, float("nan"), 0, 0]] * 2), torch.tensor([0, 1])), ValueError, "`preds` must hold only"
    ),
    BadInput((torch.randn(3, 4), torch.tensor([0, 1])), ValueError, r"`preds` must have shape \(N, C, ...\)"),
    BadInput((torch.tensor([0, 5]), torch.tensor([0, 1])), ValueError, r"`preds` values must be in \[0, 3\], got 5"),
]
_BAD_MULTILABEL = [
    BadInput((torch.rand(2, 4), torch.ones(2, 4, dtype=torch.long)), ValueError, r"num_labels=3"),
    BadInput((torch.rand(2, 3), torch.ones(2, 2, dtype=torch.long)), ValueError, "`preds` must have the shape"),
    BadInput((torch.rand(2, 3), torch.full((2, 3), 2)), ValueError, r"`target` values must be in \[0, 1\], got 2"),
    BadInput((torch.rand(2, 3), torch.rand(2, 3) / 2 + 0.1), ValueError, "`target` values must be whole numbers in"),
    BadInput((torch.full((2, 3), float("nan")), torch.ones(2, 3)), ValueError, "`preds` must hold only non-NaN"),
]


def _spec(metric, task, batches, facade=False, bad=(), **options):
    classes = _CLASSES[metric]
    cls = classes[3] if facade else classes[_TASK_INDEX[task]]
    args = {k: v for k, v in options.items() if k not in ("samplewise",)}
    if options.get("samplewise"):
        args["multidim_average"] = "samplewise"
    if task == "multiclass":
        args["num_classes"] = options.get("num_classes", 4)
    if task == "multilabel":
        args["num_labels"] = options.get("num_labels", 3)
    args.pop("num_classes", None) if task != "multiclass" else None
    args.pop("num_labels", None) if task != "multilabel" else None
    if metric == "fbeta":
        args.setdefault("beta", 2.0)
    if facade:
        args["task"] = task
    elif task == "binary":
        args.pop("average", None)
    ref_kw = {k: options[k] for k in ("average", "threshold", "top_k", "ignore_index", "zero_division") if k in options}
    if facade and "average" not in ref_kw:
        ref_kw["average"] = "micro"
    if not facade and task != "binary" and "average" not in ref_kw:
        ref_kw["average"] = "macro"
    reference = _reference(
        "fbeta" if metric in ("fbeta", "f1") else metric,
        task,
        num_classes=args.get("num_classes"),
        samplewise=bool(options.get("samplewise")),
        beta=args.get("beta", 1.0),
        **ref_kw,
    )
    fn = getattr(F, (task + "_" if not facade else "") + _FUNCTIONALS[metric])
    functional_args = dict(args)
    if metric == "fbeta" and not facade:
        functional_args["beta"] = args["beta"]
    opts = "-".join(f"{k}={v}" for k, v in sorted(options.items()))
    return MetricSpec(
        cls,
        reference,
        batches,
        metric_args=args,
        functional=fn,
        functional_args=functional_args,
        bad_inputs=list(bad),
        dtypes=_F32,
        order_invariant=not options.get("samplewise"),  # one value per sample, in sample order
        id=f"{cls.__name__}-{task}-{opts}",
    )


SPECS = []
for _m in _CLASSES:
    SPECS += [
        _spec(_m, "binary", _binary("prob"), bad=_BAD_BINARY),
        _spec(_m, "binary", _binary("logit"), facade=True, threshold=0.3),
        _spec(_m, "multiclass", _multiclass(), bad=_BAD_MULTICLASS),
        _spec(_m, "multiclass", _multiclass(), facade=True),
        _spec(_m, "multiclass", _multiclass(), average="weighted"),
        _spec(_m, "multiclass", _multiclass(kind="labels", present=3), average="none"),
        _spec(_m, "multilabel", _multilabel(), bad=_BAD_MULTILABEL),
        _spec(_m, "multilabel", _multilabel(kind="logit"), facade=True, average="macro"),
    ]
# Options that change the statistics: covered for the metrics whose compute differs the most.
for _m in ("accuracy", "precision", "fbeta", "specificity", "stat_scores"):
    SPECS += [
        _spec(_m, "binary", _binary("labels", ignore=-1), ignore_index=-1),
        _spec(_m, "binary", _binary("prob", extra=(3,)), samplewise=True),
        _spec(_m, "multiclass", _multiclass(ignore=0), ignore_index=0),  # equal to a real class
        _spec(_m, "multiclass", _multiclass(ignore=-1), ignore_index=-1, average="micro"),
        _spec(_m, "multiclass", _multiclass(extra=(3,)), samplewise=True, average="micro"),
        _spec(_m, "multiclass", _multiclass(kind="labels", present=3), average="macro"),  # class 3 never occurs
        _spec(_m, "multilabel", _multilabel(ignore=-1), ignore_index=-1, average="none"),
        _spec(_m, "multilabel", _multilabel(extra=(2,)), samplewise=True, average="weighted"),
        _spec(_m, "multilabel", _multilabel(negative=True), average="micro"),  # all-negative targets
    ]
for _m in ("accuracy", "precision", "recall", "npv", "hamming"):
    SPECS += [_spec(_m, "multiclass", _multiclass(), top_k=2, average=_a) for _a in ("micro", "macro")]
SPECS += [
    _spec("precision", "multiclass", _multiclass(kind="labels", present=3), average="none", zero_division=1),
    _spec("recall", "multilabel", _multilabel(negative=True), average="none", zero_division=1),
    _spec("npv", "binary", _binary("labels"), zero_division=1),
]


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.name)
def test_stat_scores_family_harness(spec):
    run_metric_tests(spec)
