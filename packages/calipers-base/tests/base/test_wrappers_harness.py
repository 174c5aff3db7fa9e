"""Every wrapper through the shared harness (single process and 2-rank DDP), against NumPy references."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from calipers import MaxMetric, MeanMetric, MetricCollection, SumMetric
from calipers.wrappers import (
    BinaryTargetTransformer,
    BootStrapper,
    ClasswiseWrapper,
    LambdaInputTransformer,
    MetricInputTransformer,
    MinMaxMetric,
    MultioutputWrapper,
    MultitaskWrapper,
)
from calipers_testing import BadInput, MetricSpec, run_metric_tests
from calipers_testing.toy_metrics import MeanAbsDiff, PerClassMean, SumAbsDiff

_gen = torch.Generator().manual_seed(11)
_SIZES = (7, 4, 9, 3, 6)


def _pairs(shape=()):
    return [(torch.randn(n, *shape, generator=_gen), torch.randn(n, *shape, generator=_gen)) for n in _SIZES]


def _labelled():
    return [(torch.randn(n, generator=_gen), torch.randint(0, 3, (n,), generator=_gen)) for n in _SIZES]


def _with_nans():
    out = []
    for p, t in _pairs((3,)):
        t = t.clone()
        t[torch.rand(t.shape, generator=_gen) < 0.2] = float("nan")
        out.append((p, t))
    return out


# ------------------------------------------------------------------ references (NumPy, from the formulas)
def _reference_mad(p, t):
    return np.mean(np.abs(p - t))


def _reference_per_class(keys):
    def reference(values, labels):
        sums = np.bincount(labels, weights=values, minlength=3)
        counts = np.bincount(labels, minlength=3)
        with np.errstate(invalid="ignore", divide="ignore"):
            means = sums / counts
        return dict(zip(keys, means))

    return reference


def _reference_multioutput(p, t):
    out = []
    for j in range(p.shape[1]):
        keep = ~(np.isnan(p[:, j]) | np.isnan(t[:, j]))
        out.append(np.mean(np.abs(p[keep, j] - t[keep, j])) if keep.any() else np.nan)
    return np.array(out)


def _reference_minmax(x):
    return {"raw": np.max(x), "max": np.max(x), "min": np.max(x)}


def _reference_bootstrap(x):
    return {"mean": x[0], "std": 0.0, "quantile": x[0], "raw": np.full(4, x[0])}


def _reference_multitask(preds, targets):
    x = preds["agg"]
    return {
        "t_reg": _reference_mad(preds["reg"], targets["reg"]),
        "t_agg": {"SumMetric": np.sum(x), "MaxMetric": np.max(x)},
    }


def _reference_collection(p, t):
    return {"MeanAbsDiff": _reference_mad(p, t), "SumAbsDiff": np.sum(np.abs(p - t))}


def _peaked():
    """Batches whose maximum is always 5: every batch value of MaxMetric is the global one."""
    out = []
    for n in _SIZES:
        x = torch.rand(n, generator=_gen) * 4
        x[n // 2] = 5.0
        out.append((x,))
    return out


def _multitask_batches():
    return [({"reg": p, "agg": x}, {"reg": t, "agg": None}) for (p, t), (x, _) in zip(_pairs(), _pairs())]


_MISMATCH = BadInput((torch.ones(3), torch.ones(4)), ValueError, "must have the same shape")
_BAD_TYPE = BadInput(("x", torch.ones(2)), TypeError, "must be tensors")

SPECS = [
    MetricSpec(
        ClasswiseWrapper,
        _reference_per_class(["perclassmean_cat", "perclassmean_dog", "perclassmean_fish"]),
        _labelled(),
        metric_args={"metric": PerClassMean(3), "labels": ["cat", "dog", "fish"]},
        bad_inputs=[BadInput(("v", torch.ones(2)), TypeError, "`values` must be a tensor")],
        id="classwise-labels",
    ),
    MetricSpec(
        ClasswiseWrapper,
        _reference_per_class(["acc-0/x", "acc-1/x", "acc-2/x"]),
        _labelled(),
        metric_args={"metric": PerClassMean(3), "prefix": "acc-", "postfix": "/x"},
        id="classwise-affixes",
    ),
    MetricSpec(MinMaxMetric, _reference_minmax, _peaked(), metric_args={"base_metric": MaxMetric()}, id="minmax"),
    MetricSpec(
        BootStrapper,
        _reference_bootstrap,
        [(torch.full((n,), 2.5),) for n in _SIZES],
        metric_args={
            "base_metric": MeanMetric(),
            "num_bootstraps": 4,
            "quantile": 0.5,
            "raw": True,
            "sampling_strategy": "multinomial",
            "generator": torch.Generator().manual_seed(0),
        },
        bad_inputs=[  # issue 17: 5 values with 6 weights were resampled as if they were pairs
            BadInput((torch.ones(5), torch.ones(6)), ValueError, r"same number of rows \(dim 0\), got \[5, 6\]")
        ],
        id="bootstrap-constant",
    ),
    MetricSpec(
        MultioutputWrapper,
        _reference_multioutput,
        _with_nans(),
        metric_args={"base_metric": MeanAbsDiff(), "num_outputs": 3},
        bad_inputs=[BadInput((torch.ones(4, 2), torch.ones(4, 2)), ValueError, "must have 3 entries along dim -1")],
        id="multioutput-nans",
    ),
    MetricSpec(
        MultitaskWrapper,
        _reference_multitask,
        _multitask_batches(),
        metric_args={
            "task_metrics": {"reg": MeanAbsDiff(), "agg": MetricCollection([SumMetric(), MaxMetric()])},
            "prefix": "t_",
        },
        bad_inputs=[BadInput(({"reg": torch.ones(2)}, {"reg": torch.ones(2)}), ValueError, "must be a dict with")],
        batch_invariant=False,
        order_invariant=False,
        id="multitask",
    ),
    MetricSpec(
        MetricInputTransformer,
        _reference_mad,
        _pairs(),
        metric_args={"wrapped_metric": MeanAbsDiff()},
        bad_inputs=[_MISMATCH, _BAD_TYPE],
        id="input-transformer",
    ),
    MetricSpec(
        MetricInputTransformer,
        _reference_collection,
        _pairs(),
        metric_args={"wrapped_metric": MetricCollection([MeanAbsDiff(), SumAbsDiff()])},
        bad_inputs=[_MISMATCH],
        id="input-transformer-collection",
    ),
    MetricSpec(
        LambdaInputTransformer,
        lambda p, t: _reference_mad(-p, t),
        _pairs(),
        metric_args={"wrapped_metric": MeanAbsDiff(), "transform_pred": torch.neg},
        id="lambda-transformer",
    ),
    MetricSpec(
        BinaryTargetTransformer,
        lambda p, t: _reference_mad(p, (t > 0.25).astype(np.float64)),
        _pairs(),
        metric_args={"wrapped_metric": MeanAbsDiff(), "threshold": 0.25},
        bad_inputs=[  # issue 17: a missing target was an AttributeError from `None.gt`
            BadInput((torch.rand(4), None), TypeError, r"BinaryTargetTransformer: `target` must be a real tensor"),
            BadInput((torch.rand(4), [0.0, 1.0]), TypeError, r"`target` must be a real tensor, got list"),
        ],
        id="binary-target-transformer",
    ),
]


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.name)
def test_wrapper_harness(spec):
    run_metric_tests(spec)
