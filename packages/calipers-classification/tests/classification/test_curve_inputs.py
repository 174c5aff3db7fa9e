"""Inputs every curve metric (ROC, PR curve, AUROC, AP, EER, LogAUC, at-fixed-X) handles the same way (issue 17).

The shared update (:mod:`calipers.functional.classification._curve_tasks`): non-tensors raise ``TypeError`` naming
the argument in every functional; an empty batch leaves the states as they were and a metric without samples has a
value; NaN scores raise under ``validate_args``; ``+inf`` logits are the limit they define (scikit-learn on the
limiting probabilities is the reference); inputs on another device raise before any value is read; argument checks
run whatever ``validate_args`` says.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
import torch
from sklearn.metrics import roc_auc_score

import calipers.classification as C
import calipers.functional.classification as F
from calipers_testing.states import snapshot, snapshots_equal

# (stem, extra arguments): every curve family, each with binary_/multiclass_/multilabel_ functionals and a facade.
_STEMS = [
    ("auroc", {}),
    ("average_precision", {}),
    ("roc", {}),
    ("precision_recall_curve", {}),
    ("eer", {}),
    ("logauc", {}),
    ("recall_at_fixed_precision", {"min_precision": 0.5}),
    ("precision_at_fixed_recall", {"min_recall": 0.5}),
    ("sensitivity_at_specificity", {"min_specificity": 0.5}),
    ("specificity_at_sensitivity", {"min_sensitivity": 0.5}),
]
_TASK_ARGS = {"binary": {}, "multiclass": {"num_classes": 3}, "multilabel": {"num_labels": 3}}
_CLASS_NAMES = {
    "auroc": "AUROC",
    "average_precision": "AveragePrecision",
    "roc": "ROC",
    "precision_recall_curve": "PrecisionRecallCurve",
    "eer": "EER",
    "logauc": "LogAUC",
    "recall_at_fixed_precision": "RecallAtFixedPrecision",
    "precision_at_fixed_recall": "PrecisionAtFixedRecall",
    "sensitivity_at_specificity": "SensitivityAtSpecificity",
    "specificity_at_sensitivity": "SpecificityAtSensitivity",
}


def _target(task, n=4):
    if task == "binary":
        return torch.tensor([0, 1, 1, 0])[:n]
    if task == "multiclass":
        return torch.tensor([0, 1, 2, 0])[:n]
    return torch.tensor([[1, 0, 1], [0, 1, 1], [1, 1, 0], [0, 0, 1]])[:n]


def _preds(task, n=4):
    gen = torch.Generator().manual_seed(3)
    shape = (n,) if task == "binary" else (n, 3)
    p = torch.rand(shape, generator=gen)
    return p / p.sum(1, keepdim=True) if task == "multiclass" else p


def _functionals():
    """``(name, call)`` for the 40 curve functionals: 30 task-specific and 10 task facades."""
    out = []
    for stem, extra in _STEMS:
        for task, task_args in _TASK_ARGS.items():
            out.append((f"{task}_{stem}", getattr(F, f"{task}_{stem}"), task, {**task_args, **extra}))
            out.append((stem, getattr(F, stem), task, {"task": task, **task_args, **extra}))
    return out


_FUNCTIONALS = _functionals()


@pytest.mark.parametrize("bad", [[0.1, 0.2, 0.3, 0.4], None, "abc"], ids=["list", "None", "str"])
@pytest.mark.parametrize(("name", "fn", "task", "kwargs"), _FUNCTIONALS, ids=[f"{f[0]}-{f[2]}" for f in _FUNCTIONALS])
def test_functionals_type_check_preds_and_target(name, fn, task, kwargs, bad):
    """Was ``AttributeError: 'list' object has no attribute 'device'`` in all 40 (the thresholds were moved first)."""
    with pytest.raises(TypeError, match=rf"`preds` must be a floating-point tensor, got {type(bad).__name__}"):
        fn(bad, _target(task), **kwargs)
    with pytest.raises(TypeError, match=rf"`target` must be a tensor, got {type(bad).__name__}"):
        fn(_preds(task), bad, **kwargs)


def test_forty_functionals_are_covered():
    assert len({(name, task) for name, _, task, _ in _FUNCTIONALS}) == 60  # 30 task functionals + 10 facades x 3
    assert len({name for name, *_ in _FUNCTIONALS}) == 40


def _metrics():
    out = []
    for stem, extra in _STEMS:
        for task, task_args in _TASK_ARGS.items():
            for thresholds in (None, 5):
                cls = getattr(C, task.capitalize() + _CLASS_NAMES[stem])
                args = {**task_args, **extra, "thresholds": thresholds}
                out.append(pytest.param(cls, args, task, id=f"{cls.__name__}-{thresholds}"))
    return out


def _states(metric):
    return [(k, v) for k, v in snapshot(metric) if not k.endswith("_update_count")]


def _empty(task):
    preds = torch.zeros(0) if task == "binary" else torch.zeros(0, 3)
    target = torch.zeros(0, dtype=torch.long) if task != "multilabel" else torch.zeros(0, 3, dtype=torch.long)
    return preds, target


def _assert_same(a, b):
    if isinstance(a, (tuple, list)):
        assert len(a) == len(b)
        for x, y in zip(a, b):
            _assert_same(x, y)
        return
    torch.testing.assert_close(a, b, equal_nan=True)


@pytest.mark.filterwarnings("ignore::calipers.exceptions.CalipersUserWarning")
@pytest.mark.parametrize(("cls", "args", "task"), _metrics())
def test_an_empty_batch_is_a_no_op(cls, args, task):
    """Was ``IndexError: amin()/argmax() ... non-zero size`` for EER and the at-fixed-X metrics; lists grew."""
    metric = cls(**args)
    metric.update(_preds(task), _target(task))
    before, value = _states(metric), metric.compute()
    metric.update(*_empty(task))
    assert snapshots_equal(before, _states(metric)) is None
    _assert_same(metric.compute(), value)
    fresh = cls(**args)
    fresh.update(*_empty(task))  # no sample at all: the value of the curve without points, not an error
    fresh.compute()
    fresh(*_empty(task))  # forward on an empty batch


@pytest.mark.filterwarnings("ignore::calipers.exceptions.CalipersUserWarning")
@pytest.mark.parametrize(
    ("fn", "kwargs", "expected"),
    [
        (F.binary_eer, {}, 0.5),
        (F.binary_auroc, {}, 0.0),
        (F.binary_recall_at_fixed_precision, {"min_precision": 0.5}, (0.0, math.nan)),
        (F.binary_precision_at_fixed_recall, {"min_recall": 0.5}, (0.0, math.nan)),
        (F.binary_sensitivity_at_specificity, {"min_specificity": 0.5}, (0.0, 1.0)),
        (F.binary_specificity_at_sensitivity, {"min_sensitivity": 0.5}, (0.0, 1e6)),
    ],
)
def test_no_sample_exact_equals_binned(fn, kwargs, expected):
    """Without samples the exact curve is its origin: the same values as the binned curve (TorchMetrics' binned)."""
    empty = _empty("binary")
    exact, binned = fn(*empty, **kwargs), fn(*empty, thresholds=5, **kwargs)
    _assert_same(exact, binned)
    _assert_same(
        exact, tuple(torch.tensor(e) for e in expected) if isinstance(expected, tuple) else torch.tensor(expected)
    )


@pytest.mark.parametrize(("cls", "args", "task"), _metrics())
def test_nan_scores_raise_and_inputs_elsewhere_raise_first(cls, args, task):
    metric = cls(**args, validate_args=True)  # BinaryLogAUC defaults to False (as TorchMetrics)
    metric.update(_preds(task), _target(task))
    before = snapshot(metric)
    nan = _preds(task)
    nan.view(-1)[1] = math.nan
    with pytest.raises(ValueError, match=r"`preds` must hold only non-NaN values, got 1 NaN"):
        metric.update(nan, _target(task))
    with pytest.raises(ValueError, match=r"`preds` must be on the metric's device cpu, got a tensor on meta"):
        metric.update(_preds(task).to("meta"), _target(task))  # was: Tensor.item() cannot be called on meta tensors
    with pytest.raises(ValueError, match=r"`target` must be on the metric's device cpu, got a tensor on meta"):
        metric.update(_preds(task), _target(task).to("meta"))
    assert snapshots_equal(before, snapshot(metric)) is None


def test_functional_inputs_on_two_devices_raise():
    match = r"binary_auroc: `target` must be on the device of `preds` \(cpu\), got a tensor on meta"
    with pytest.raises(ValueError, match=match):
        F.binary_auroc(_preds("binary"), _target("binary").to("meta"))


def test_nan_unchecked_without_validate_args():
    """The documented behaviour with ``validate_args=False``: no check; a NaN score ranks above every number."""
    p = torch.tensor([0.1, math.nan, 0.3, 0.4])
    t = torch.tensor([0, 1, 1, 0])
    value = F.binary_auroc(p, t, validate_args=False)
    assert value.item() == pytest.approx(roc_auc_score(t.numpy(), np.array([0.1, 2.0, 0.3, 0.4])))


def _softmax_limit(logits):
    """Softmax rows, a row holding +inf giving its +inf entries all the mass (the limit of growing logits)."""
    out = []
    for row in logits.double().numpy():
        inf = np.isposinf(row)
        if inf.any():
            out.append(inf / inf.sum())
        else:
            e = np.exp(row - row.max())
            out.append(e / e.sum())
    return np.array(out)


@pytest.mark.parametrize("thresholds", [None, 7])
def test_multiclass_infinite_logits(thresholds):
    """Was 0.42 for one +inf logit (its softmax row was NaN) where the limit gives 0.58 (scikit-learn)."""
    gen = torch.Generator().manual_seed(5)
    logits = torch.randn(12, 3, generator=gen) * 3
    target = torch.tensor([1, 0, 2, 1, 0, 2, 0, 1, 2, 2, 0, 1])
    logits[0, 1] = math.inf
    logits[4, 0] = -math.inf
    logits[7, 2] = logits[7, 0] = math.inf  # two +inf: half each
    probs = _softmax_limit(logits)
    if thresholds is None:
        expected = roc_auc_score(target.numpy(), probs, multi_class="ovr", average="macro")
    else:
        expected = F.multiclass_auroc(torch.from_numpy(probs).float(), target, 3, thresholds=thresholds).item()
    value = F.multiclass_auroc(logits, target, 3, thresholds=thresholds)
    assert value.item() == pytest.approx(expected, abs=1e-6)
    metric = C.MulticlassAUROC(3, thresholds=thresholds)
    metric.update(logits[:6], target[:6])
    metric.update(logits[6:], target[6:])
    assert metric.compute().item() == pytest.approx(expected, abs=1e-6)


def test_binary_infinite_logits():
    logits = torch.tensor([-math.inf, -1.0, 0.5, math.inf, 2.0, -3.0])
    target = torch.tensor([0, 0, 1, 1, 0, 1])
    expected = roc_auc_score(target.numpy(), torch.sigmoid(logits).numpy())
    assert F.binary_auroc(logits, target).item() == pytest.approx(expected)


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda: F.binary_auroc(_preds("binary"), _target("binary"), thresholds=1, validate_args=False), ValueError,
         "`thresholds` must be None, an int >= 2"),
        (lambda: F.binary_auroc(_preds("binary"), _target("binary"), max_fpr=2.0, validate_args=False), ValueError,
         r"`max_fpr` must be None or a float in \(0, 1\]"),
        (lambda: F.multiclass_roc(_preds("multiclass"), _target("multiclass"), -1, validate_args=False), ValueError,
         "`num_classes` must be an int >= 2"),
        (lambda: F.binary_logauc(_preds("binary"), _target("binary"), fpr_range=(0.5, 0.1), validate_args=False),
         ValueError, "`fpr_range` must be a tuple"),
        (lambda: F.binary_recall_at_fixed_precision(_preds("binary"), _target("binary"), 1.5, validate_args=False),
         ValueError, r"`min_precision` must be a float in \[0, 1\]"),
        (lambda: C.BinaryLogAUC(fpr_range=(0.5, 0.1)), ValueError, "BinaryLogAUC: `fpr_range` must be a tuple"),
        (lambda: C.BinaryLogAUC(thresholds=-3), ValueError, "BinaryLogAUC: `thresholds` must be None, an int >= 2"),
        (lambda: C.BinaryAUROC(validate_args="yes"), TypeError, "BinaryAUROC: `validate_args` must be a bool"),
    ],
)  # fmt: skip
def test_argument_checks_ignore_validate_args(call, error, match):
    """``validate_args=False`` skips the tensor checks, never those of the arguments (BinaryLogAUC defaults to it)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(error, match=match):
            call()


@pytest.mark.parametrize("task", ["binary", "multiclass", "multilabel"])
def test_kept_samples_do_not_alias_a_reused_input_buffer(task):
    """A caller refilling one input buffer per batch must not rewrite the batches an exact curve already kept."""
    metric = getattr(C, task.capitalize() + "AUROC")(**_TASK_ARGS[task])
    preds, target = _preds(task), _target(task)
    first = (preds.clone(), target.clone())
    metric.update(preds, target)
    second = (preds.roll(1, -1) if task != "binary" else 1 - preds, target.roll(1, 0))
    preds.copy_(second[0])  # the same buffers, refilled
    target.copy_(second[1])
    metric.update(preds, target)
    reference, aliased = (getattr(C, task.capitalize() + "AUROC")(**_TASK_ARGS[task]) for _ in range(2))
    reference.update(*first)
    reference.update(*second)
    aliased.update(*second)
    aliased.update(*second)
    assert not torch.allclose(reference.compute(), aliased.compute())  # the test can tell them apart
    torch.testing.assert_close(metric.compute(), reference.compute())
    assert all(p.untyped_storage().data_ptr() != preds.untyped_storage().data_ptr() for p in metric.preds)
