from __future__ import annotations

import numpy as np
import pytest
import torch
from sklearn.metrics import hinge_loss as sk_hinge_loss

from calipers.classification.hinge import BinaryHingeLoss, HingeLoss, MulticlassHingeLoss
from calipers.functional.classification.hinge import binary_hinge_loss, hinge_loss, multiclass_hinge_loss
from calipers_testing import BadInput, MetricSpec, run_metric_tests
from calipers_testing.states import snapshot, snapshots_equal

_gen = torch.Generator().manual_seed(11)
_SIZES = (8, 5, 1, 6)


# References: scikit-learn's hinge_loss on the probabilities (after the logits rule), NumPy for the squared and
# one-vs-all variants, which scikit-learn does not have.
def _sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def _softmax(x):
    e = np.exp(x - x.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def _reference_binary(squared=False, ignore_index=None):
    def ref(preds, target):
        p, t = preds.reshape(-1), target.reshape(-1)
        if ignore_index is not None:
            p, t = p[t != ignore_index], t[t != ignore_index]
        if ((p < 0) | (p > 1)).any():
            p = _sigmoid(p)
        if not squared:
            # two zero-weight samples, one per class: scikit-learn reads the label set from `y_true`
            w = np.r_[np.ones(len(t)), 0.0, 0.0]
            return sk_hinge_loss(np.r_[t, 0, 1], np.r_[p, 0.5, 0.5], sample_weight=w)
        return np.mean(np.maximum(0.0, 1.0 - np.where(t == 1, 1.0, -1.0) * p) ** 2)

    return ref


def _reference_multiclass(num_classes, squared=False, mode="crammer-singer", ignore_index=None):
    def ref(preds, target):
        p = np.moveaxis(preds, 1, -1).reshape(-1, num_classes)
        t = target.reshape(-1)
        if ignore_index is not None:
            p, t = p[t != ignore_index], t[t != ignore_index]
        if ((p < 0) | (p > 1)).any():
            p = _softmax(p)
        if mode == "crammer-singer" and not squared:
            return sk_hinge_loss(t, p, labels=np.arange(num_classes))
        if mode == "crammer-singer":
            own = p[np.arange(len(t)), t]
            other = np.where(np.eye(num_classes, dtype=bool)[t], -np.inf, p).max(axis=1)
            return np.mean(np.maximum(0.0, 1.0 - own + other) ** 2)
        y = np.where(np.eye(num_classes, dtype=bool)[t], 1.0, -1.0)
        losses = np.maximum(0.0, 1.0 - y * p)
        return np.mean(losses**2 if squared else losses, axis=0)

    return ref


def _binary_batches(logits=False, extra=(), ignore=False):
    out = []
    for n in _SIZES:
        p = torch.randn(n, *extra, generator=_gen) * 3 if logits else torch.rand(n, *extra, generator=_gen)
        t = torch.randint(0, 2, (n, *extra), generator=_gen)
        t[0] = torch.tensor(1) if n > 1 else t[0]  # both classes in every batch of more than one sample
        if n > 1:
            t[1] = 0
        if ignore:
            t = torch.where(torch.rand(t.shape, generator=_gen) < 0.2, -1, t)
        out.append((p, t))
    return out


def _multiclass_batches(num_classes, logits=False, extra=(), ignore=False):
    out = []
    for n in _SIZES:
        x = torch.randn(n, num_classes, *extra, generator=_gen) * 2
        p = x if logits else x.softmax(1)
        t = torch.randint(0, num_classes, (n, *extra), generator=_gen)
        if ignore:
            t = torch.where(torch.rand(t.shape, generator=_gen) < 0.2, -1, t)
        out.append((p, t))
    return out


# issue 17: NaN scores (validate_args), inputs on another device than the states (before any value is read), non-tensors
_DEVICE = r"must be on the (metric's )?device"
_COMMON_BAD = [
    BadInput((torch.tensor([0.2, float("nan")]), torch.tensor([1, 0])), ValueError, "`preds` must hold only non-NaN"),
    BadInput((torch.rand(2, device="meta"), torch.tensor([1, 0])), ValueError, _DEVICE),
    BadInput((torch.rand(2), torch.tensor([1, 0], device="meta")), ValueError, _DEVICE),
    BadInput(([0.2, 0.5], torch.tensor([1, 0])), TypeError, "`preds` must be a floating-point tensor, got list"),
    BadInput((torch.rand(2), None), TypeError, "`target` must be a tensor, got NoneType"),
]
_BINARY_BAD = [
    BadInput((torch.tensor([1, 0]), torch.tensor([1, 0])), TypeError, "`preds` must be a floating-point"),
    BadInput((torch.rand(3), torch.tensor([1, 0])), ValueError, "`preds` must have the shape of `target`"),
    BadInput((torch.rand(2), torch.tensor([1, 2])), ValueError, r"`target` values must be in \[0, 1\]"),
    *_COMMON_BAD,
]
_MULTICLASS_BAD = [
    BadInput((torch.rand(2, 3), torch.tensor([0, 3])), ValueError, r"`target` values must be in \[0, 2\]"),
    BadInput((torch.rand(2), torch.tensor([1, 0])), ValueError, r"`preds` must have shape \(N, C, ...\)"),
    BadInput((torch.rand(2, 3), torch.tensor([0.0, 1.5])), ValueError, "`target` values must be whole numbers in"),
    BadInput((torch.tensor([[0.2, float("nan"), 0.3]]), torch.tensor([1])), ValueError, "`preds` must hold only non-"),
    BadInput((torch.rand(2, 3, device="meta"), torch.tensor([1, 0])), ValueError, _DEVICE),
    BadInput(([[0.2, 0.5, 0.3]], torch.tensor([1])), TypeError, "`preds` must be a floating-point tensor, got list"),
]

SPECS = [
    MetricSpec(
        BinaryHingeLoss,
        _reference_binary(),
        _binary_batches(),
        functional=binary_hinge_loss,
        bad_inputs=_BINARY_BAD,
        id="binary",
    ),
    MetricSpec(
        BinaryHingeLoss,
        _reference_binary(squared=True, ignore_index=-1),
        _binary_batches(logits=True, extra=(2,), ignore=True),
        {"squared": True, "ignore_index": -1},
        binary_hinge_loss,
        batch_invariant=False,  # the logits rule is applied per batch
        id="binary-squared-logits-ignore",
    ),
    MetricSpec(
        MulticlassHingeLoss,
        _reference_multiclass(3),
        _multiclass_batches(3),
        {"num_classes": 3},
        multiclass_hinge_loss,
        bad_inputs=_MULTICLASS_BAD,
        id="crammer-singer",
    ),
    MetricSpec(
        MulticlassHingeLoss,
        _reference_multiclass(4, squared=True, ignore_index=-1),
        _multiclass_batches(4, logits=True, extra=(2,), ignore=True),
        {"num_classes": 4, "squared": True, "ignore_index": -1},
        multiclass_hinge_loss,
        batch_invariant=False,
        id="crammer-singer-squared-logits-ignore",
    ),
    MetricSpec(
        MulticlassHingeLoss,
        _reference_multiclass(3, mode="one-vs-all"),
        _multiclass_batches(3, logits=True),
        {"num_classes": 3, "multiclass_mode": "one-vs-all"},
        multiclass_hinge_loss,
        batch_invariant=False,
        id="one-vs-all-logits",
    ),
    MetricSpec(
        MulticlassHingeLoss,
        _reference_multiclass(3, squared=True, mode="one-vs-all"),
        _multiclass_batches(3),
        {"num_classes": 3, "multiclass_mode": "one-vs-all", "squared": True},
        multiclass_hinge_loss,
        id="one-vs-all-squared",
    ),
    MetricSpec(
        HingeLoss,
        _reference_binary(),
        _binary_batches(),
        {"task": "binary"},
        hinge_loss,
        id="task-binary",
    ),
    MetricSpec(
        HingeLoss,
        _reference_multiclass(3, mode="one-vs-all"),
        _multiclass_batches(3),
        {"task": "multiclass", "num_classes": 3, "multiclass_mode": "one-vs-all"},
        hinge_loss,
        ddp=False,  # same class as one-vs-all-squared
        id="task-multiclass",
    ),
]


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.name)
def test_hinge_harness(spec):
    run_metric_tests(spec)


def test_facade_is_both_types():
    metric = HingeLoss(task="multiclass", num_classes=3, squared=True)
    assert isinstance(metric, HingeLoss)
    assert isinstance(metric, MulticlassHingeLoss)
    assert metric.squared is True
    assert isinstance(HingeLoss("binary"), BinaryHingeLoss)


def test_state_names_and_shapes():
    metric = MulticlassHingeLoss(4, multiclass_mode="one-vs-all")
    metric.persistent(True)
    assert set(metric.state_dict()) == {"measures", "total"}
    assert metric.measures.shape == (4,)
    assert MulticlassHingeLoss(4).measures.shape == ()


def test_gradients_flow_to_the_scores():
    preds = torch.rand(5, 3, requires_grad=True)
    multiclass_hinge_loss(preds, torch.tensor([0, 1, 2, 0, 1]), 3).backward()
    assert preds.grad is not None and bool(preds.grad.abs().sum() > 0)


def test_functional_validate_args_default_is_off_as_in_torchmetrics():
    # TorchMetrics' binary/multiclass functionals default to validate_args=False; the facade checks.
    binary_hinge_loss(torch.rand(2), torch.tensor([0, 2]))
    with pytest.raises(ValueError, match=r"binary_hinge_loss: `target` values must be in \[0, 1\]"):
        binary_hinge_loss(torch.rand(2), torch.tensor([0, 2]), validate_args=True)
    with pytest.raises(ValueError, match=r"binary_hinge_loss: `target` values must be in \[0, 1\]"):
        hinge_loss(torch.rand(2), torch.tensor([0, 2]), task="binary")


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"squared": 1}, TypeError, "`squared` must be a bool, got 1"),
        ({"ignore_index": 0.5}, TypeError, "`ignore_index` must be None or an int, got 0.5"),
    ],
)
def test_bad_arguments(kwargs, error, match):
    with pytest.raises(error, match="BinaryHingeLoss: " + match):
        BinaryHingeLoss(**kwargs)
    with pytest.raises(error, match="MulticlassHingeLoss: " + match):
        MulticlassHingeLoss(3, **kwargs)
    with pytest.raises(error, match="multiclass_hinge_loss: " + match):
        multiclass_hinge_loss(torch.rand(2, 3), torch.tensor([0, 1]), 3, validate_args=True, **kwargs)


def test_bad_mode_task_and_num_classes():
    with pytest.raises(ValueError, match=r"`multiclass_mode` must be one of \['crammer-singer', 'one-vs-all'\]"):
        MulticlassHingeLoss(3, multiclass_mode="ova")
    with pytest.raises(ValueError, match=r"HingeLoss: `task` must be one of \['binary', 'multiclass'\]"):
        HingeLoss(task="multilabel")
    with pytest.raises(TypeError, match="`num_classes` must be an int >= 2, got None"):
        HingeLoss(task="multiclass")
    with pytest.raises(TypeError, match="hinge_loss: `num_classes` must be an int >= 2, got None"):
        hinge_loss(torch.rand(2, 3), torch.tensor([0, 1]), task="multiclass")


@pytest.mark.parametrize("ignore_index", [None, -1])
@pytest.mark.parametrize("mode", ["crammer-singer", "one-vs-all"])
def test_update_without_validation_needs_no_host_sync(ignore_index, mode):
    # On the meta device any value-dependent host synchronisation (.item(), bool(), nonzero) raises.
    metric = MulticlassHingeLoss(3, multiclass_mode=mode, ignore_index=ignore_index, validate_args=False).to("meta")
    metric.update(torch.rand(8, 3, device="meta"), torch.ones(8, dtype=torch.long, device="meta"))
    metric = BinaryHingeLoss(ignore_index=ignore_index, validate_args=False).to("meta")
    metric.update(torch.rand(8, device="meta"), torch.ones(8, dtype=torch.long, device="meta"))
    assert metric.measures.device.type == "meta"


def test_arguments_are_checked_with_validate_args_off():
    """Issue 17: ``multiclass_hinge_loss(num_classes=-1)`` was accepted (the functionals default to no validation)."""
    preds, target = torch.rand(4, 3), torch.tensor([0, 1, 2, 0])
    with pytest.raises(ValueError, match=r"multiclass_hinge_loss: `num_classes` must be an int >= 2, got -1"):
        multiclass_hinge_loss(preds, target, num_classes=-1)
    with pytest.raises(ValueError, match=r"multiclass_hinge_loss: `multiclass_mode` must be one of"):
        multiclass_hinge_loss(preds, target, 3, multiclass_mode="ova")
    with pytest.raises(TypeError, match=r"binary_hinge_loss: `squared` must be a bool, got 'x'"):
        binary_hinge_loss(torch.rand(4), torch.tensor([0, 1, 1, 0]), squared="x")
    with pytest.raises(TypeError, match=r"BinaryHingeLoss: `validate_args` must be a bool, got 1"):
        BinaryHingeLoss(validate_args=1)


def test_infinite_logits_are_their_limit():
    """A +inf logit takes its row's whole probability (a plain softmax gives NaN there)."""
    logits = torch.tensor([[float("inf"), 0.0, 1.0], [0.0, 2.0, -float("inf")], [1.0, 1.0, 1.0]])
    target = torch.tensor([0, 2, 1])
    limit = torch.cat([torch.tensor([[1.0, 0.0, 0.0]]), logits[1:].softmax(1)])
    expected = multiclass_hinge_loss(limit, target, 3)  # probabilities: no softmax
    torch.testing.assert_close(multiclass_hinge_loss(logits, target, 3, validate_args=True), expected)


@pytest.mark.parametrize("cls", [BinaryHingeLoss, MulticlassHingeLoss])
def test_an_empty_batch_is_a_no_op(cls):
    metric = cls() if cls is BinaryHingeLoss else cls(3)
    preds = torch.rand(4) if cls is BinaryHingeLoss else torch.rand(4, 3)
    metric.update(preds, torch.tensor([0, 1, 1, 0]))
    before = [(k, v) for k, v in snapshot(metric) if not k.endswith("_update_count")]
    metric.update(preds[:0], torch.zeros(0, dtype=torch.long))
    assert snapshots_equal(before, [(k, v) for k, v in snapshot(metric) if not k.endswith("_update_count")]) is None
