from __future__ import annotations

import numpy as np
import pytest
import torch
import torchmetrics
import torchmetrics.functional.regression as tmf

from calipers.functional.regression import critical_success_index
from calipers.regression import CriticalSuccessIndex
from calipers_testing import BadInput, MetricSpec, run_metric_tests

_gen = torch.Generator().manual_seed(6011)
_SIZES = [7, 3, 1, 10, 4]


def _batches(sizes, shape=()):
    return [(torch.rand(n, *shape, generator=_gen), torch.rand(n, *shape, generator=_gen)) for n in sizes]


# Reference: NumPy from the definition, hits / (hits + misses + false alarms), 0 when there is no event.
def _reference(threshold, keep_sequence_dim=None):
    def reference(preds, target):
        p, t = preds >= threshold, target >= threshold
        axes = None if keep_sequence_dim is None else tuple(i for i in range(p.ndim) if i != keep_sequence_dim)
        hits = np.sum(p & t, axis=axes)
        denom = hits + np.sum(~p & t, axis=axes) + np.sum(p & ~t, axis=axes)
        return np.where(denom > 0, hits / np.maximum(denom, 1), 0.0)

    return reference


_BAD = [
    BadInput((torch.ones(2), torch.ones(3)), ValueError, "`target` must have the same shape"),
    BadInput((torch.ones(2), [1.0, 1.0]), TypeError, "`target` must be a tensor, got list"),
    # issue 17: a NaN target was counted as no event; meta input moved the states to meta
    BadInput((torch.ones(2), torch.tensor([float("nan"), 1.0])), ValueError, r"`target` must hold only non-NaN values"),
    BadInput((torch.tensor([0.7, float("nan")]), torch.ones(2)), ValueError, r"`preds` must hold only non-NaN values"),
    BadInput((torch.ones(2, device="meta"), torch.ones(2, device="meta")), ValueError,
             r"CriticalSuccessIndex: `preds` must be on the metric's device cpu, got a tensor on meta"),
]  # fmt: skip

SPECS = [
    MetricSpec(
        CriticalSuccessIndex,
        _reference(0.5),
        _batches(_SIZES),
        metric_args={"threshold": 0.5},
        functional=critical_success_index,
        bad_inputs=_BAD,
        id="csi",
    ),
    MetricSpec(
        CriticalSuccessIndex,
        _reference(0.3),
        _batches(_SIZES, (4, 3)),
        metric_args={"threshold": 0.3},
        functional=critical_success_index,
        id="csi-3d",
    ),
    MetricSpec(
        CriticalSuccessIndex,
        _reference(0.6, 0),
        _batches(_SIZES, (4, 3)),
        metric_args={"threshold": 0.6, "keep_sequence_dim": 0},
        functional=critical_success_index,
        order_invariant=False,  # one score per sample, in sample order
        bad_inputs=[
            BadInput(
                (torch.tensor(1.0), torch.tensor(1.0)), ValueError, "CriticalSuccessIndex: `keep_sequence_dim` must be"
            ),
            *_BAD,
        ],
        id="csi-keep-dim-0",
    ),
]


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.name)
def test_csi_harness(spec):
    run_metric_tests(spec)


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"threshold": "0.5"}, TypeError, "`threshold` must be a float, got '0.5'"),
        ({"threshold": float("nan")}, ValueError, "`threshold` must be a float, got nan"),
        ({"threshold": 0.5, "keep_sequence_dim": -1}, ValueError, "`keep_sequence_dim` must be an int >= 0, got -1"),
        ({"threshold": 0.5, "keep_sequence_dim": 1.0}, TypeError, "`keep_sequence_dim` must be an int >= 0, got 1.0"),
    ],
)
def test_csi_rejects_bad_arguments(kwargs, error, match):
    with pytest.raises(error, match=f"CriticalSuccessIndex: {match}"):
        CriticalSuccessIndex(**kwargs)
    with pytest.raises(error, match=f"critical_success_index: {match}"):
        critical_success_index(torch.ones(2), torch.ones(2), **kwargs)


def test_csi_keep_sequence_dim_out_of_range():
    msg = r"critical_success_index: `keep_sequence_dim` must be smaller than the number of dimensions of `preds` \(2\)"
    with pytest.raises(ValueError, match=msg):
        critical_success_index(torch.ones(2, 3), torch.ones(2, 3), 0.5, keep_sequence_dim=2)


@pytest.mark.parametrize(
    ("keep_sequence_dim", "shape"), [(None, (6, 5)), (None, (30,)), (0, (6, 5, 2)), (1, (4, 5, 3)), (2, (4, 5, 3))]
)
def test_csi_matches_torchmetrics(keep_sequence_dim, shape):
    ours = CriticalSuccessIndex(0.5, keep_sequence_dim)
    theirs = torchmetrics.CriticalSuccessIndex(0.5, keep_sequence_dim)
    for _ in range(3):
        preds, target = torch.rand(shape, generator=_gen), torch.rand(shape, generator=_gen)
        torch.testing.assert_close(ours(preds, target), theirs(preds, target))
        torch.testing.assert_close(
            critical_success_index(preds, target, 0.5, keep_sequence_dim),
            tmf.critical_success_index(preds, target, 0.5, keep_sequence_dim),
        )
    torch.testing.assert_close(ours.compute(), theirs.compute())


def test_csi_keep_inner_dim_concatenates_the_batches():
    # With keep_sequence_dim > 0, each batch contributes one value per index of that dimension (as in TorchMetrics).
    batches = _batches([4, 6], (5,))
    metric = CriticalSuccessIndex(0.5, keep_sequence_dim=1)
    for batch in batches:
        metric.update(*batch)
    expected = np.concatenate([_reference(0.5, 1)(p.numpy(), t.numpy()) for p, t in batches])
    np.testing.assert_allclose(metric.compute().numpy(), expected, rtol=1e-6)


def test_csi_without_events_is_zero_and_empty_before_update():
    assert critical_success_index(torch.zeros(4), torch.zeros(4), 0.5) == 0.0
    metric = CriticalSuccessIndex(0.5, keep_sequence_dim=0)
    with pytest.warns(UserWarning, match="called before `update`"):
        assert metric.compute().shape == (0,)


def test_nan_raises_and_infinities_are_values():
    """Issue 17: ``critical_success_index`` with a NaN target counted it as no event (TorchMetrics: 1.0 here)."""
    preds, target = torch.tensor([0.2, 0.7]), torch.tensor([float("nan"), 0.8])
    with pytest.raises(ValueError, match=r"critical_success_index: `target` must hold only non-NaN values, got 1"):
        critical_success_index(preds, target, 0.5)
    inf = torch.tensor([float("inf"), -float("inf"), 0.7])
    assert critical_success_index(inf, torch.tensor([1.0, 0.0, 0.0]), 0.5).item() == 0.5  # 1 hit, 1 false alarm


def test_meta_input_leaves_the_states_on_their_device():
    metric = CriticalSuccessIndex(0.5)
    metric.update(torch.tensor([0.7, 0.2]), torch.tensor([0.8, 0.1]))
    with pytest.raises(ValueError, match=r"got a tensor on meta"):
        metric.update(torch.ones(2, device="meta"), torch.ones(2, device="meta"))
    assert metric.hits.device.type == "cpu" and metric.compute().item() == 1.0
