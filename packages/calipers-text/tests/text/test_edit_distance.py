from __future__ import annotations

import random

import numpy as np
import pytest
import torch
import torchmetrics.functional.text as tmf
import torchmetrics.text as tmt

from calipers.functional.text import edit_distance
from calipers.text import EditDistance
from calipers_testing import BadInput, MetricSpec, run_metric_tests

_rng = random.Random(1503)


def _word() -> str:
    return "".join(_rng.choice("abcde ") for _ in range(_rng.randint(0, 12)))


def _batches(sizes):
    return [([_word() for _ in range(n)], [_word() for _ in range(n)]) for n in sizes]


_SIZES = [7, 3, 1, 10, 4]


# Reference: the Wagner-Fischer dynamic programme in NumPy, one row at a time (independent of rapidfuzz).
def _levenshtein(a: str, b: str, substitution_cost: int = 1) -> int:
    prev = np.arange(len(b) + 1)
    for i, ca in enumerate(a, 1):
        cur = np.empty_like(prev)
        cur[0] = i
        mismatch = np.array([ca != cb for cb in b], dtype=np.int64) * substitution_cost
        for j in range(1, len(b) + 1):
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + mismatch[j - 1])
        prev = cur
    return int(prev[-1])


def _reference(substitution_cost=1, reduction="mean"):
    def reference(preds, target):
        d = np.array([_levenshtein(p, t, substitution_cost) for p, t in zip(preds, target)], dtype=np.int64)
        if reduction == "mean":
            return d.mean()
        if reduction == "sum":
            return d.sum()
        return d

    return reference


_BAD = [
    BadInput((["ab"], ["a", "b"]), ValueError, r"`target` must have as many items as `preds` \(1\), got 2"),
    BadInput(([None], ["a"]), TypeError, "`preds` must be a string or a sequence of strings, got NoneType at"),
]

SPECS = [
    MetricSpec(
        EditDistance,
        _reference(cost, reduction),
        _batches(_SIZES),
        metric_args={"substitution_cost": cost, "reduction": reduction},
        functional=edit_distance,
        bad_inputs=_BAD,
        order_invariant=reduction not in ("none", None),  # one distance per pair, in order
        id=f"edit-{cost}-{reduction}",
    )
    for cost, reduction in [(1, "mean"), (2, "sum"), (0, "mean"), (3, "none"), (1, None)]
]


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.name)
def test_edit_distance_harness(spec):
    run_metric_tests(spec)


@pytest.mark.parametrize("cost", [0, 1, 2, 5])
@pytest.mark.parametrize("reduction", ["mean", "sum", "none", None])
def test_edit_distance_matches_torchmetrics(cost, reduction):
    preds, target = _batches([25])[0]
    ours, theirs = edit_distance(preds, target, cost, reduction), tmf.edit_distance(preds, target, cost, reduction)
    torch.testing.assert_close(ours, theirs)
    metric, tm_metric = EditDistance(cost, reduction), tmt.EditDistance(cost, reduction)
    for p, t in _batches([4, 6]):
        metric.update(p, t)
        tm_metric.update(p, t)
    torch.testing.assert_close(metric.compute(), tm_metric.compute())


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"substitution_cost": -1}, ValueError, "`substitution_cost` must be an int >= 0, got -1"),
        ({"substitution_cost": 1.5}, TypeError, "`substitution_cost` must be an int >= 0, got 1.5"),
        ({"reduction": "max"}, ValueError, r"`reduction` must be one of \['mean', 'none', 'sum', None\], got 'max'"),
    ],
)
def test_edit_distance_rejects_bad_arguments(kwargs, error, match):
    with pytest.raises(error, match=f"EditDistance: {match}"):
        EditDistance(**kwargs)
    with pytest.raises(error, match=f"edit_distance: {match}"):
        edit_distance(["a"], ["b"], **kwargs)


def test_edit_distance_empty_inputs():
    assert edit_distance([], []).dtype == torch.int32  # TorchMetrics' convention: tensor(0, dtype=int32)
    assert edit_distance([], []).item() == 0
    metric = EditDistance(reduction=None)
    metric.update([], [])
    assert metric.compute().shape == (0,)
    summed = EditDistance(reduction="sum")
    summed.update(["abc"], ["abd"])
    summed.update([], [])
    assert summed.compute().item() == 1 and summed.compute().dtype == torch.int64


def _tm_signature_matches(ours, theirs):
    """Same parameter names, kinds and defaults as TorchMetrics (calipers' keyword-only additions left out)."""
    import inspect

    mine = [p for p in inspect.signature(ours).parameters.values() if p.name != "validate_args"]
    return [(p.name, p.kind, p.default) for p in mine] == [
        (p.name, p.kind, p.default) for p in inspect.signature(theirs).parameters.values()
    ]


def test_edit_distance_signatures_match_torchmetrics():
    assert _tm_signature_matches(edit_distance, tmf.edit_distance)
    assert _tm_signature_matches(EditDistance.__init__, tmt.EditDistance.__init__)
