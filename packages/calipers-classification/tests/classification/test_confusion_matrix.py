"""Harness tests of the confusion-matrix family (confusion matrix, Jaccard index, Cohen's kappa, Matthews' correlation)
and of exact match, against scikit-learn (NumPy from the definition for exact match)."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from sklearn.metrics import (
    cohen_kappa_score,
    jaccard_score,
    matthews_corrcoef,
)
from sklearn.metrics import confusion_matrix as sk_confusion_matrix

from calipers.classification import (
    BinaryCohenKappa,
    BinaryConfusionMatrix,
    BinaryJaccardIndex,
    BinaryMatthewsCorrCoef,
    CohenKappa,
    ConfusionMatrix,
    ExactMatch,
    JaccardIndex,
    MatthewsCorrCoef,
    MulticlassCohenKappa,
    MulticlassConfusionMatrix,
    MulticlassExactMatch,
    MulticlassJaccardIndex,
    MulticlassMatthewsCorrCoef,
    MultilabelConfusionMatrix,
    MultilabelExactMatch,
    MultilabelJaccardIndex,
    MultilabelMatthewsCorrCoef,
)
from calipers.functional import classification as F
from calipers_testing import BadInput, MetricSpec, run_metric_tests
from calipers_testing.states import snapshot, snapshots_equal

_gen = torch.Generator().manual_seed(7007)
_SIZES = [7, 3, 1, 12, 5]
_GUARDED = [7, 3, 2, 12, 5]
_F32 = (torch.float32,)
_C, _L = 4, 3


def _ignored(shape, ignore, t):
    """``t`` with about a quarter of its positions set to ``ignore`` (never the first sample: no batch is empty)."""
    mask = torch.rand(shape, generator=_gen) < 0.25
    mask[0] = False
    t = t.clone()
    t[0] = torch.where(t[0] == ignore, (ignore + 1) % 2, t[0])
    return torch.where(mask, ignore, t)


def _binary(kind="prob", ignore=None, guard=False):
    """With ``guard``, every batch holds a true positive and a true negative (no degenerate MCC matrix)."""
    out = []
    for n in _GUARDED if guard else _SIZES:
        t = torch.randint(0, 2, (n,), generator=_gen)
        p = torch.rand(n, generator=_gen) if kind == "prob" else torch.randint(0, 2, (n,), generator=_gen)
        if guard:
            t[:2], p[:2] = torch.tensor([0, 1]), torch.tensor([0, 1], dtype=p.dtype)
        if ignore is not None:
            t = _ignored((n,), ignore, t)
        out.append((p, t))
    return out


def _multiclass(kind="scores", extra=(), ignore=None, present=_C):
    out = []
    for n in _SIZES:
        t = torch.randint(0, present, (n, *extra), generator=_gen)
        if kind == "scores":
            p = torch.randn(n, _C, *extra, generator=_gen)
        else:
            p = torch.randint(0, present, (n, *extra), generator=_gen)
        if ignore is not None:
            t = _ignored(t.shape, ignore, t)
        out.append((p, t))
    return out


def _multilabel(extra=(), ignore=None, guard=False):
    out = []
    for n in _GUARDED if guard else _SIZES:
        shape = (n, _L, *extra)
        t = torch.randint(0, 2, shape, generator=_gen)
        p = torch.rand(shape, generator=_gen)
        if guard:
            t[:2, 0], p[:2, 0] = torch.tensor([0, 1]), torch.tensor([0.0, 1.0])
        if ignore is not None:
            t = _ignored(shape, ignore, t)
        out.append((p, t))
    return out


# ------------------------------------------------------------------------------------------------ references
def _flat(preds, target, task, threshold=0.5, ignore_index=None):
    """1-D labels (binary/multiclass) or (n, L) indicators (multilabel), ignored positions dropped (not multilabel)."""
    if task == "multiclass":
        p = preds.argmax(1) if preds.ndim == target.ndim + 1 else preds
        p, t = p.reshape(-1), target.reshape(-1)
    elif task == "binary":
        p, t = (preds > threshold).astype(np.int64) if preds.dtype.kind == "f" else preds, target
    else:
        p = np.moveaxis((preds > threshold).astype(np.int64), 1, -1).reshape(-1, preds.shape[1])
        t = np.moveaxis(target, 1, -1).reshape(-1, target.shape[1])
        return p, t
    if ignore_index is not None:
        keep = t != ignore_index
        p, t = p[keep], t[keep]
    return p, t


def _normalize(cm, normalize):
    cm = cm.astype(float)
    if normalize in (None, "none"):
        return cm
    axis = {"true": -1, "pred": -2, "all": (-2, -1)}[normalize]
    total = cm.sum(axis=axis, keepdims=True)
    return np.where(total == 0, 0.0, cm / np.where(total == 0, 1, total))


def _ref_confmat(task, normalize=None, ignore_index=None):
    def ref(preds, target):
        p, t = _flat(preds, target, task, ignore_index=ignore_index)
        if task == "multilabel":
            keep = t != ignore_index if ignore_index is not None else np.ones_like(t, bool)
            cms = [sk_confusion_matrix(t[keep[:, j], j], p[keep[:, j], j], labels=[0, 1]) for j in range(t.shape[1])]
            return _normalize(np.stack(cms), normalize)
        labels = [0, 1] if task == "binary" else list(range(_C))
        return _normalize(sk_confusion_matrix(t, p, labels=labels), normalize)

    return ref


def _ref_jaccard(task, average="macro", ignore_index=None, zero_division=0):
    def ref(preds, target):
        p, t = _flat(preds, target, task, ignore_index=ignore_index)
        if task == "binary":
            return jaccard_score(t, p, zero_division=zero_division)
        avg = None if average == "none" else average
        if task == "multilabel":
            return jaccard_score(t, p, average=avg, zero_division=zero_division)
        if avg is None:
            return jaccard_score(t, p, labels=list(range(_C)), average=None, zero_division=zero_division)
        labels = sorted(set(t.tolist()) | set(p.tolist()))
        if ignore_index is not None and 0 <= ignore_index < _C:
            labels = [c for c in labels if c != ignore_index]
        return jaccard_score(t, p, labels=labels, average=avg, zero_division=zero_division)

    return ref


def _ref_kappa(task, weights=None, ignore_index=None):
    def ref(preds, target):
        p, t = _flat(preds, target, task, ignore_index=ignore_index)
        labels = [0, 1] if task == "binary" else list(range(_C))
        return cohen_kappa_score(t, p, labels=labels, weights=None if weights == "none" else weights)

    return ref


def _ref_mcc(task, ignore_index=None):
    def ref(preds, target):
        p, t = _flat(preds, target, task, ignore_index=ignore_index)
        if task == "multilabel":
            if ignore_index is not None:
                keep = t != ignore_index
                p, t = p[keep], t[keep]
            p, t = p.reshape(-1), t.reshape(-1)
        return matthews_corrcoef(t, p)

    return ref


def _ref_exact_match(task, samplewise=False, ignore_index=None):
    def ref(preds, target):
        if task == "multiclass":
            p = preds.argmax(1) if preds.ndim == target.ndim + 1 else preds
            match = p == target
            if ignore_index is not None:
                match |= target == ignore_index
            rows = match.reshape(len(target), -1).all(1)
            return rows.astype(float) if samplewise else rows.mean()
        match = (preds > 0.5) == (target == 1)
        if ignore_index is not None:
            match |= target == ignore_index
        positions = match.reshape(len(target), target.shape[1], -1).all(1)  # (N, M)
        return positions.mean(1) if samplewise else positions.mean()

    return ref


# ------------------------------------------------------------------------------------------------ specs
_BAD_BINARY = [
    BadInput((torch.rand(3), torch.tensor([0, 1])), ValueError, r"`preds` must have the shape of `target` \(2,\)"),
    BadInput((torch.rand(2), torch.tensor([0.0, 0.5])), ValueError, "`target` values must be whole numbers in"),
    BadInput((torch.rand(2), torch.tensor([0, 2])), ValueError, r"`target` values must be in \[0, 1\], got 2"),
]
_BAD_MULTICLASS = [
    BadInput((torch.randn(2, 3), torch.tensor([0, 1])), ValueError, r"`preds.shape\[1\]` must be num_classes=4"),
    BadInput((torch.randn(2, 4), torch.tensor([0, 4])), ValueError, r"`target` values must be in \[0, 3\], got 4"),
    BadInput((torch.tensor([0, 1]), torch.tensor([0.0, 1.5])), ValueError, "`target` values must be whole numbers in"),
]
_BAD_MULTILABEL = [
    BadInput((torch.rand(2, 4), torch.ones(2, 4, dtype=torch.long)), ValueError, r"num_labels=3"),
    BadInput((torch.rand(2, 3), torch.full((2, 3), 2)), ValueError, r"`target` values must be in \[0, 1\], got 2"),
]
# issue 17: NaN scores (validate_args), inputs on another device than the states (raised before any value is read:
# was `Tensor.item() cannot be called on meta tensors`), non-tensors
_DEVICE = r"must be on the (metric's )?device"
_BAD_BINARY += [
    BadInput((torch.tensor([0.2, float("nan")]), torch.tensor([0, 1])), ValueError, "`preds` must hold only non-NaN"),
    BadInput((torch.rand(2, device="meta"), torch.tensor([0, 1])), ValueError, _DEVICE),
    BadInput((torch.rand(2), torch.tensor([0, 1], device="meta")), ValueError, _DEVICE),
    BadInput(([0.2, 0.7], torch.tensor([0, 1])), TypeError, "`preds` must be a tensor, got list"),
    BadInput((torch.rand(2), None), TypeError, "`target` must be a tensor, got NoneType"),
]
_BAD_MULTICLASS += [
    BadInput((torch.tensor([[0.2, float("nan"), 0.1, 0.3]]), torch.tensor([1])), ValueError, "`preds` must hold only"),
    BadInput((torch.randn(2, 4, device="meta"), torch.tensor([0, 1])), ValueError, _DEVICE),
    BadInput((torch.randn(2, 4), None), TypeError, "`target` must be a tensor, got NoneType"),
]
_BAD_MULTILABEL += [
    BadInput((torch.rand(2, 3, device="meta"), torch.ones(2, 3, dtype=torch.long)), ValueError, _DEVICE),
    BadInput((torch.full((2, 3), float("nan")), torch.ones(2, 3, dtype=torch.long)), ValueError, "must hold only non-"),
]
_BAD = {"binary": _BAD_BINARY, "multiclass": _BAD_MULTICLASS, "multilabel": _BAD_MULTILABEL}


def _spec(cls, fn, reference, batches, task, facade=False, bad=False, **args):
    if task == "multiclass":
        args["num_classes"] = _C
    elif task == "multilabel":
        args["num_labels"] = _L
    if facade:
        args["task"] = task
    samplewise = args.get("multidim_average") == "samplewise"
    return MetricSpec(
        cls,
        reference,
        batches,
        metric_args=args,
        functional=fn,
        bad_inputs=_BAD[task] if bad else (),
        dtypes=_F32,
        order_invariant=not samplewise,
        id=f"{cls.__name__}-{task}-" + "-".join(f"{k}={v}" for k, v in sorted(args.items())),
    )


SPECS = [
    # confusion matrix
    _spec(BinaryConfusionMatrix, F.binary_confusion_matrix, _ref_confmat("binary"), _binary(), "binary", bad=True),
    _spec(
        BinaryConfusionMatrix,
        F.binary_confusion_matrix,
        _ref_confmat("binary", "true", -1),
        _binary("labels", ignore=-1),
        "binary",
        normalize="true",
        ignore_index=-1,
    ),
    _spec(
        MulticlassConfusionMatrix,
        F.multiclass_confusion_matrix,
        _ref_confmat("multiclass"),
        _multiclass(),
        "multiclass",
        bad=True,
    ),
    _spec(
        MulticlassConfusionMatrix,
        F.multiclass_confusion_matrix,
        _ref_confmat("multiclass", "pred", 0),
        _multiclass("labels", ignore=0, present=3),
        "multiclass",
        normalize="pred",
        ignore_index=0,
    ),
    _spec(
        MultilabelConfusionMatrix,
        F.multilabel_confusion_matrix,
        _ref_confmat("multilabel"),
        _multilabel(),
        "multilabel",
        bad=True,
    ),
    _spec(
        MultilabelConfusionMatrix,
        F.multilabel_confusion_matrix,
        _ref_confmat("multilabel", "all", -1),
        _multilabel(extra=(2,), ignore=-1),
        "multilabel",
        normalize="all",
        ignore_index=-1,
    ),
    _spec(ConfusionMatrix, F.confusion_matrix, _ref_confmat("multiclass"), _multiclass(), "multiclass", facade=True),
    # Jaccard index
    _spec(BinaryJaccardIndex, F.binary_jaccard_index, _ref_jaccard("binary"), _binary(), "binary", bad=True),
    _spec(
        BinaryJaccardIndex,
        F.binary_jaccard_index,
        _ref_jaccard("binary", ignore_index=-1),
        _binary(ignore=-1),
        "binary",
        ignore_index=-1,
    ),
    _spec(JaccardIndex, F.jaccard_index, _ref_jaccard("multilabel"), _multilabel(), "multilabel", facade=True),
    _spec(
        MultilabelJaccardIndex,
        F.multilabel_jaccard_index,
        _ref_jaccard("multilabel"),
        _multilabel(),
        "multilabel",
        bad=True,
    ),
]
for _avg in ("micro", "macro", "weighted", "none"):
    SPECS += [
        _spec(
            MulticlassJaccardIndex,
            F.multiclass_jaccard_index,
            _ref_jaccard("multiclass", _avg),
            _multiclass("labels", present=3),
            "multiclass",
            average=_avg,
            bad=_avg == "macro",
        ),
        _spec(
            MultilabelJaccardIndex,
            F.multilabel_jaccard_index,
            _ref_jaccard("multilabel", _avg),
            _multilabel(extra=(2,)),
            "multilabel",
            average=_avg,
        ),
    ]
for _avg in ("micro", "macro", "weighted"):
    SPECS.append(
        _spec(
            MulticlassJaccardIndex,
            F.multiclass_jaccard_index,
            _ref_jaccard("multiclass", _avg, ignore_index=1),
            _multiclass(ignore=1),
            "multiclass",
            average=_avg,
            ignore_index=1,
        )
    )
# Cohen's kappa
SPECS += [
    _spec(BinaryCohenKappa, F.binary_cohen_kappa, _ref_kappa("binary"), _binary(), "binary", bad=True),
    _spec(
        BinaryCohenKappa,
        F.binary_cohen_kappa,
        _ref_kappa("binary", "linear", -1),
        _binary(ignore=-1),
        "binary",
        weights="linear",
        ignore_index=-1,
    ),
    _spec(CohenKappa, F.cohen_kappa, _ref_kappa("multiclass"), _multiclass(), "multiclass", facade=True),
    _spec(
        MulticlassCohenKappa, F.multiclass_cohen_kappa, _ref_kappa("multiclass"), _multiclass(), "multiclass", bad=True
    ),
    _spec(
        MulticlassCohenKappa,
        F.multiclass_cohen_kappa,
        _ref_kappa("multiclass", "quadratic", 2),
        _multiclass("labels", ignore=2),
        "multiclass",
        weights="quadratic",
        ignore_index=2,
    ),
    # Matthews' correlation
    _spec(
        BinaryMatthewsCorrCoef, F.binary_matthews_corrcoef, _ref_mcc("binary"), _binary(guard=True), "binary", bad=True
    ),
    _spec(
        BinaryMatthewsCorrCoef,
        F.binary_matthews_corrcoef,
        _ref_mcc("binary", -1),
        _binary(ignore=-1, guard=True),
        "binary",
        ignore_index=-1,
    ),
    _spec(
        MulticlassMatthewsCorrCoef,
        F.multiclass_matthews_corrcoef,
        _ref_mcc("multiclass"),
        _multiclass(),
        "multiclass",
        bad=True,
    ),
    _spec(
        MulticlassMatthewsCorrCoef,
        F.multiclass_matthews_corrcoef,
        _ref_mcc("multiclass", 0),
        _multiclass("labels", ignore=0),
        "multiclass",
        ignore_index=0,
    ),
    _spec(
        MultilabelMatthewsCorrCoef,
        F.multilabel_matthews_corrcoef,
        _ref_mcc("multilabel"),
        _multilabel(guard=True),
        "multilabel",
        bad=True,
    ),
    _spec(MatthewsCorrCoef, F.matthews_corrcoef, _ref_mcc("binary"), _binary(guard=True), "binary", facade=True),
    # exact match
    _spec(
        MulticlassExactMatch,
        F.multiclass_exact_match,
        _ref_exact_match("multiclass"),
        _multiclass("labels", extra=(2,), present=2),
        "multiclass",
        bad=True,
    ),
    _spec(
        MulticlassExactMatch,
        F.multiclass_exact_match,
        _ref_exact_match("multiclass", True, -1),
        _multiclass(extra=(2,), ignore=-1),
        "multiclass",
        multidim_average="samplewise",
        ignore_index=-1,
    ),
    _spec(
        MultilabelExactMatch,
        F.multilabel_exact_match,
        _ref_exact_match("multilabel"),
        _multilabel(),
        "multilabel",
        bad=True,
    ),
    _spec(
        MultilabelExactMatch,
        F.multilabel_exact_match,
        _ref_exact_match("multilabel", True, -1),
        _multilabel(extra=(3,), ignore=-1),
        "multilabel",
        multidim_average="samplewise",
        ignore_index=-1,
    ),
    _spec(ExactMatch, F.exact_match, _ref_exact_match("multilabel"), _multilabel(), "multilabel", facade=True),
]


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.name)
def test_confusion_matrix_family_harness(spec):
    run_metric_tests(spec)


def test_mcc_degenerate_binary_matrices_follow_torchmetrics_rules():
    # Only correct predictions: 1; only wrong ones: -1 (scikit-learn gives 0 for these single-class cases).
    ones = torch.ones(4, dtype=torch.long)
    assert F.binary_matthews_corrcoef(ones, ones).item() == 1.0
    assert F.binary_matthews_corrcoef(1 - ones, ones).item() == -1.0
    assert F.multiclass_matthews_corrcoef(torch.tensor([0, 0]), torch.tensor([0, 0]), num_classes=3).item() == 0.0


def test_confusion_matrix_argument_errors():
    with pytest.raises(ValueError, match=r"`normalize` must be one of \['all', 'none', 'pred', 'true', None\]"):
        BinaryConfusionMatrix(normalize="rows")
    with pytest.raises(ValueError, match=r"`weights` must be one of \['linear', 'none', 'quadratic', None\]"):
        MulticlassCohenKappa(3, weights="cubic")
    with pytest.raises(ValueError, match=r"`task` must be one of \['binary', 'multiclass'\], got 'multilabel'"):
        CohenKappa(task="multilabel")
    with pytest.raises(TypeError, match=r"`num_classes` must be an int >= 2, got None"):
        JaccardIndex(task="multiclass")
    with pytest.raises(ValueError, match=r"`zero_division` must be 0 or 1, got 0.5"):
        F.binary_jaccard_index(torch.rand(3), torch.ones(3, dtype=torch.long), zero_division=0.5)


def _states(metric):
    return [(k, v) for k, v in snapshot(metric) if not k.endswith("_update_count")]


@pytest.mark.parametrize(
    ("metric", "batch", "empty"),
    [
        (MulticlassExactMatch(3), (torch.tensor([0, 2]), torch.tensor([0, 1])), (torch.zeros(0).long(),) * 2),
        (
            MulticlassExactMatch(3, multidim_average="samplewise"),
            (torch.tensor([[0, 2], [1, 1]]), torch.tensor([[0, 1], [1, 1]])),
            (torch.zeros(0, 2, dtype=torch.long),) * 2,
        ),
        (
            MulticlassExactMatch(3),
            (torch.rand(2, 3, 2), torch.tensor([[0, 1], [2, 2]])),
            (torch.zeros(0, 3, 2), torch.zeros(0, 2, dtype=torch.long)),
        ),
        (
            MultilabelExactMatch(3, multidim_average="samplewise"),
            (torch.rand(2, 3, 2), torch.ones(2, 3, 2, dtype=torch.long)),
            (torch.zeros(0, 3, 2), torch.zeros(0, 3, 2, dtype=torch.long)),
        ),
        (BinaryMatthewsCorrCoef(), (torch.rand(4), torch.tensor([0, 1, 1, 0])), (torch.zeros(0), torch.zeros(0).int())),
        (MulticlassCohenKappa(3), (torch.rand(2, 3), torch.tensor([0, 2])), (torch.zeros(0, 3), torch.zeros(0).long())),
    ],
    ids=["mc-global", "mc-samplewise", "mc-scores", "ml-samplewise", "mcc", "kappa"],
)
def test_an_empty_batch_is_a_no_op(metric, batch, empty):
    """Issue 17: the exact match was ``RuntimeError: cannot reshape tensor of 0 elements into shape [0, -1]``."""
    metric.update(*batch)
    before, value = _states(metric), metric.compute()
    metric.update(*empty)
    assert snapshots_equal(before, _states(metric)) is None
    torch.testing.assert_close(metric.compute(), value, equal_nan=True)


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda: MulticlassExactMatch(-1, validate_args=False), ValueError, "`num_classes` must be an int >= 2, got"),
        (lambda: MultilabelExactMatch(3, threshold=2.0, validate_args=False), ValueError, r"`threshold` must be"),
        (lambda: BinaryCohenKappa(weights="cubic", validate_args=False), ValueError, "`weights` must be one of"),
        (lambda: BinaryMatthewsCorrCoef(threshold=-1.0, validate_args=False), ValueError, r"`threshold` must be"),
        (lambda: MulticlassMatthewsCorrCoef(1, validate_args=False), ValueError, "`num_classes` must be an int >= 2"),
        (lambda: BinaryMatthewsCorrCoef(validate_args="no"), TypeError, "`validate_args` must be a bool"),
        (
            lambda: F.multiclass_matthews_corrcoef(torch.tensor([0, 1]), torch.tensor([0, 1]), 1, validate_args=False),
            ValueError,
            "multiclass_matthews_corrcoef: `num_classes` must be an int >= 2, got 1",
        ),
        (
            lambda: F.binary_cohen_kappa(torch.rand(2), torch.tensor([0, 1]), weights="cubic", validate_args=False),
            ValueError,
            "binary_cohen_kappa: `weights` must be one of",
        ),
        (
            lambda: F.multiclass_exact_match(torch.tensor([0]), torch.tensor([0]), 0, validate_args=False),
            ValueError,
            "multiclass_exact_match: `num_classes` must be an int >= 2, got 0",
        ),
    ],
)
def test_arguments_are_checked_with_validate_args_off(call, error, match):
    """``validate_args=False`` skips the tensor checks, never those of the arguments."""
    with pytest.raises(error, match=match):
        call()


def test_functional_inputs_on_two_devices_raise():
    with pytest.raises(ValueError, match=r"binary_matthews_corrcoef: `target` must be on the device of `preds`"):
        F.binary_matthews_corrcoef(torch.rand(2), torch.tensor([0, 1], device="meta"))
