from __future__ import annotations

import numpy as np
import pytest
import torch

from calipers.classification.calibration_error import (
    BinaryCalibrationError,
    CalibrationError,
    MulticlassCalibrationError,
)
from calipers.functional.classification.calibration_error import (
    binary_calibration_error,
    calibration_error,
    multiclass_calibration_error,
)
from calipers_testing import BadInput, MetricSpec, run_metric_tests
from calipers_testing.states import snapshot, snapshots_equal

_gen = torch.Generator().manual_seed(7)
_SIZES = (9, 4, 1, 7)


# Reference: binned calibration error written from Naeini et al. (2015) / Guo et al. (2017) in NumPy. Bins are
# [k/n, (k+1)/n) and a confidence of exactly 1 has a bin of its own (the convention calipers documents).
def _sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def _softmax(x):
    e = np.exp(x - x.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def _binned_error(conf, acc, n_bins, norm):
    if conf.size == 0:
        return np.nan
    bins = np.searchsorted(np.linspace(0.0, 1.0, n_bins + 1), conf, side="right") - 1
    gaps, weights = [], []
    for b in np.unique(bins):
        in_bin = bins == b
        gaps.append(acc[in_bin].mean() - conf[in_bin].mean())
        weights.append(in_bin.mean())
    gaps, weights = np.abs(np.array(gaps)), np.array(weights)
    if norm == "l1":
        return float((weights * gaps).sum())
    if norm == "l2":
        return float(np.sqrt((weights * gaps**2).sum()))
    return float(gaps.max())


def _reference_binary(n_bins, norm, ignore_index=None):
    def ref(preds, target):
        p, t = preds.reshape(-1), target.reshape(-1)
        if ignore_index is not None:
            p, t = p[t != ignore_index], t[t != ignore_index]
        if ((p < 0) | (p > 1)).any():
            p = _sigmoid(p)
        return _binned_error(p, t.astype(np.float64), n_bins, norm)

    return ref


def _reference_multiclass(n_bins, norm, ignore_index=None):
    def ref(preds, target):
        p = np.moveaxis(preds, 1, -1).reshape(-1, preds.shape[1])
        t = target.reshape(-1)
        if ignore_index is not None:
            p, t = p[t != ignore_index], t[t != ignore_index]
        if ((p < 0) | (p > 1)).any():
            p = _softmax(p)
        return _binned_error(p.max(axis=1), (p.argmax(axis=1) == t).astype(np.float64), n_bins, norm)

    return ref


def _binary_batches(logits=False, extra=(), ignore=False):
    out = []
    for n in _SIZES:
        p = torch.randn(n, *extra, generator=_gen) * 3 if logits else torch.rand(n, *extra, generator=_gen)
        t = torch.randint(0, 2, (n, *extra), generator=_gen)
        if ignore:
            t = torch.where(torch.rand(t.shape, generator=_gen) < 0.25, -1, t)
        out.append((p, t))
    return out


def _multiclass_batches(num_classes, logits=False, extra=(), ignore=False):
    out = []
    for n in _SIZES:
        x = torch.randn(n, num_classes, *extra, generator=_gen) * 2
        p = x if logits else x.softmax(1)
        t = torch.randint(0, num_classes, (n, *extra), generator=_gen)
        if ignore:
            t = torch.where(torch.rand(t.shape, generator=_gen) < 0.25, -1, t)
        out.append((p, t))
    return out


# Confidences on bin edges, a confidence of 1, empty bins and ties.
_EDGES = [
    (torch.tensor([0.0, 0.25, 0.5, 1.0, 0.25]), torch.tensor([0, 1, 1, 1, 0])),
    (torch.tensor([0.5, 0.5, 1.0]), torch.tensor([1, 0, 0])),
]

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
    BadInput((torch.rand(2), torch.tensor([0.0, 0.5])), ValueError, "`target` values must be whole numbers in"),
    *_COMMON_BAD,
]
_MULTICLASS_BAD = [
    BadInput((torch.tensor([1, 0]), torch.tensor([1, 0])), TypeError, "`preds` must be a floating-point"),
    BadInput((torch.rand(2, 4), torch.tensor([1, 0])), ValueError, r"`preds.shape\[1\]` must be num_classes=3"),
    BadInput((torch.rand(2), torch.tensor([1, 0])), ValueError, r"`preds` must have shape \(N, C, ...\)"),
    BadInput((torch.rand(2, 3), torch.tensor([1, 3])), ValueError, r"`target` values must be in \[0, 2\]"),
    BadInput((torch.tensor([[0.2, float("nan"), 0.3]]), torch.tensor([1])), ValueError, "`preds` must hold only non-"),
    BadInput((torch.rand(2, 3, device="meta"), torch.tensor([1, 0])), ValueError, _DEVICE),
    BadInput(([[0.2, 0.5, 0.3]], torch.tensor([1])), TypeError, "`preds` must be a floating-point tensor, got list"),
]

SPECS = [
    MetricSpec(
        BinaryCalibrationError,
        _reference_binary(10, "l1"),
        _binary_batches(),
        {"n_bins": 10},
        binary_calibration_error,
        bad_inputs=_BINARY_BAD,
        id="binary-l1",
    ),
    MetricSpec(
        BinaryCalibrationError,
        _reference_binary(5, "l2"),
        _binary_batches(logits=True, extra=(3,)),
        {"n_bins": 5, "norm": "l2"},
        binary_calibration_error,
        batch_invariant=False,  # the logits rule is applied per batch
        id="binary-l2-logits-3d",
    ),
    MetricSpec(
        BinaryCalibrationError,
        _reference_binary(4, "max", ignore_index=-1),
        _binary_batches(ignore=True),
        {"n_bins": 4, "norm": "max", "ignore_index": -1},
        binary_calibration_error,
        id="binary-max-ignore",
    ),
    MetricSpec(
        BinaryCalibrationError, _reference_binary(4, "l1"), _EDGES, {"n_bins": 4}, binary_calibration_error, id="edges"
    ),
    MetricSpec(
        BinaryCalibrationError,
        _reference_binary(4, "max"),
        _EDGES,
        {"n_bins": 4, "norm": "max"},
        binary_calibration_error,
        id="edges-max",
    ),
    MetricSpec(
        MulticlassCalibrationError,
        _reference_multiclass(15, "l1"),
        _multiclass_batches(3),
        {"num_classes": 3},
        multiclass_calibration_error,
        bad_inputs=_MULTICLASS_BAD,
        id="multiclass-l1",
    ),
    MetricSpec(
        MulticlassCalibrationError,
        _reference_multiclass(6, "max", ignore_index=-1),
        _multiclass_batches(4, logits=True, extra=(2,), ignore=True),
        {"num_classes": 4, "n_bins": 6, "norm": "max", "ignore_index": -1},
        multiclass_calibration_error,
        batch_invariant=False,
        id="multiclass-max-logits-ignore",
    ),
    MetricSpec(
        MulticlassCalibrationError,
        _reference_multiclass(8, "l2"),
        _multiclass_batches(5, logits=True),
        {"num_classes": 5, "n_bins": 8, "norm": "l2"},
        multiclass_calibration_error,
        batch_invariant=False,
        id="multiclass-l2-logits",
    ),
    MetricSpec(
        CalibrationError,
        _reference_binary(10, "l2"),
        _binary_batches(),
        {"task": "binary", "n_bins": 10, "norm": "l2"},
        calibration_error,
        id="task-binary",
    ),
    MetricSpec(
        CalibrationError,
        _reference_multiclass(5, "l1"),
        _multiclass_batches(3),
        {"task": "multiclass", "num_classes": 3, "n_bins": 5},
        calibration_error,
        ddp=False,  # same class as multiclass-l1
        id="task-multiclass",
    ),
]


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.name)
def test_calibration_error_harness(spec):
    run_metric_tests(spec)


def test_facade_is_both_types():
    metric = CalibrationError(task="multiclass", num_classes=3, n_bins=4)
    assert isinstance(metric, CalibrationError)
    assert isinstance(metric, MulticlassCalibrationError)
    assert metric.n_bins == 4
    assert isinstance(CalibrationError("binary"), BinaryCalibrationError)


def test_states_are_fixed_size_bins():
    metric = MulticlassCalibrationError(3, n_bins=7)
    metric.persistent(True)
    assert set(metric.state_dict()) == {"bin_counts", "bin_confidences", "bin_accuracies"}
    for batch in _multiclass_batches(3):
        metric.update(*batch)
    assert all(v.shape == (8,) for v in metric.metric_state.values())
    assert int(metric.bin_counts.sum()) == sum(_SIZES)


def test_confidence_one_has_its_own_bin():
    # 1.0 is not averaged with 0.8: |1 - 1| and |0 - 0.8| separately, weights 1/2 each.
    value = binary_calibration_error(torch.tensor([0.8, 1.0]), torch.tensor([0, 1]), n_bins=2)
    assert value.item() == pytest.approx(0.4)


def test_no_samples_is_nan():
    metric = BinaryCalibrationError(ignore_index=-1)
    metric.update(torch.tensor([0.2, 0.7]), torch.tensor([-1, -1]))
    assert torch.isnan(metric.compute())
    assert torch.isnan(binary_calibration_error(torch.zeros(0), torch.zeros(0, dtype=torch.long)))


def test_ignored_positions_do_not_decide_the_logits_rule():
    # 5.0 is ignored, so the remaining values are probabilities (no sigmoid).
    preds, target = torch.tensor([0.9, 0.1, 5.0]), torch.tensor([1, 0, -1])
    assert binary_calibration_error(preds, target, n_bins=10, ignore_index=-1).item() == pytest.approx(0.1)


def test_validate_args_false_gives_the_same_value():
    preds, target = _multiclass_batches(4, logits=True)[0]
    expected = multiclass_calibration_error(preds, target, 4)
    torch.testing.assert_close(multiclass_calibration_error(preds, target, 4, validate_args=False), expected)
    metric = MulticlassCalibrationError(4, validate_args=False)
    metric.update(preds, target)
    torch.testing.assert_close(metric.compute(), expected)


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"n_bins": 0}, ValueError, "`n_bins` must be an int >= 1, got 0"),
        ({"n_bins": 2.5}, TypeError, "`n_bins` must be an int >= 1, got 2.5"),
        ({"norm": "l3"}, ValueError, r"`norm` must be one of \['l1', 'l2', 'max'\], got 'l3'"),
        ({"ignore_index": "x"}, TypeError, "`ignore_index` must be None or an int"),
    ],
)
def test_bad_arguments(kwargs, error, match):
    with pytest.raises(error, match="BinaryCalibrationError: " + match):
        BinaryCalibrationError(**kwargs)
    with pytest.raises(error, match="MulticlassCalibrationError: " + match):
        MulticlassCalibrationError(3, **kwargs)
    with pytest.raises(error, match="binary_calibration_error: " + match):
        binary_calibration_error(torch.rand(2), torch.tensor([0, 1]), **kwargs)


def test_bad_task_and_num_classes():
    with pytest.raises(ValueError, match=r"CalibrationError: `task` must be one of \['binary', 'multiclass'\]"):
        CalibrationError(task="multilabel")
    with pytest.raises(TypeError, match="`num_classes` must be an int >= 2, got None"):
        CalibrationError(task="multiclass")
    with pytest.raises(ValueError, match="`num_classes` must be an int >= 2, got 1"):
        MulticlassCalibrationError(1)
    with pytest.raises(ValueError, match=r"calibration_error: `task` must be one of"):
        calibration_error(torch.rand(2), torch.tensor([0, 1]), task="multilabel")
    with pytest.raises(TypeError, match="calibration_error: `num_classes` must be an int >= 2, got None"):
        calibration_error(torch.rand(2, 3), torch.tensor([0, 1]), task="multiclass")


@pytest.mark.parametrize("ignore_index", [None, -1])
def test_update_without_validation_needs_no_host_sync(ignore_index):
    # On the meta device any value-dependent host synchronisation (.item(), bool(), nonzero) raises.
    for metric, preds, target in (
        (BinaryCalibrationError(validate_args=False, ignore_index=ignore_index), torch.rand(8), torch.ones(8).long()),
        (
            MulticlassCalibrationError(3, validate_args=False, ignore_index=ignore_index),
            torch.rand(8, 3),
            torch.ones(8).long(),
        ),
    ):
        metric.to("meta")
        metric.update(preds.to("meta"), target.to("meta"))
        assert metric.bin_counts.device.type == "meta"


def test_top_label_off_the_cpu_matches_the_softmax():
    from calipers.functional.classification._probabilities import _top_label_without_sync

    scores = torch.randn(50, 4, generator=_gen, dtype=torch.float64) * 3
    confidence, label = _top_label_without_sync(scores, torch.tensor(True))
    expected_confidence, expected_label = scores.softmax(1).max(1)
    torch.testing.assert_close(confidence, expected_confidence)
    assert torch.equal(label, expected_label)
    probs = scores.softmax(1)
    confidence, _ = _top_label_without_sync(probs, torch.tensor(False))
    torch.testing.assert_close(confidence, probs.max(1).values)


def test_norms_share_one_state_in_a_collection():
    from calipers import MetricCollection

    norms = ("l1", "l2", "max")
    collection = MetricCollection({n: MulticlassCalibrationError(3, n_bins=5, norm=n) for n in norms})
    assert list(collection.compute_groups.values()) == [list(norms)]
    batches = _multiclass_batches(3, logits=True)
    for batch in batches:
        collection.update(*batch)
    values = collection.compute()
    for n in norms:
        expected = _reference_multiclass(5, n)(*[torch.cat(x).double().numpy() for x in zip(*batches)])
        assert values[n].item() == pytest.approx(expected, rel=1e-5)
    assert BinaryCalibrationError(5)._state_signature() != MulticlassCalibrationError(3, 5)._state_signature()


def test_infinite_logits_are_their_limit():
    """A +inf logit takes its row's whole probability (a plain softmax gives NaN, which lands in the last bin)."""
    logits = torch.tensor([[float("inf"), 0.0, 1.0], [0.0, 2.0, -float("inf")], [1.0, 3.0, 1.0]])
    target = torch.tensor([0, 2, 1])
    limit = torch.cat([torch.tensor([[1.0, 0.0, 0.0]]), logits[1:].softmax(1)])
    expected = multiclass_calibration_error(limit, target, 3, n_bins=4)
    torch.testing.assert_close(multiclass_calibration_error(logits, target, 3, n_bins=4), expected)


def test_an_empty_batch_is_a_no_op():
    for metric, preds in ((BinaryCalibrationError(), torch.rand(4)), (MulticlassCalibrationError(3), torch.rand(4, 3))):
        metric.update(preds, torch.tensor([0, 1, 1, 0]))
        before = [(k, v) for k, v in snapshot(metric) if not k.endswith("_update_count")]
        metric.update(preds[:0], torch.zeros(0, dtype=torch.long))
        assert snapshots_equal(before, [(k, v) for k, v in snapshot(metric) if not k.endswith("_update_count")]) is None


def test_arguments_are_checked_with_validate_args_off():
    with pytest.raises(ValueError, match=r"binary_calibration_error: `n_bins` must be an int >= 1, got 0"):
        binary_calibration_error(torch.rand(2), torch.tensor([0, 1]), n_bins=0, validate_args=False)
    with pytest.raises(ValueError, match=r"multiclass_calibration_error: `num_classes` must be an int >= 2, got 1"):
        multiclass_calibration_error(torch.rand(2, 3), torch.tensor([0, 1]), 1, validate_args=False)
