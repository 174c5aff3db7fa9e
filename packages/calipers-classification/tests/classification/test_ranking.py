from __future__ import annotations

import numpy as np
import pytest
import torch
from sklearn.metrics import coverage_error, label_ranking_average_precision_score, label_ranking_loss

from calipers.classification.ranking import (
    MultilabelCoverageError,
    MultilabelRankingAveragePrecision,
    MultilabelRankingLoss,
)
from calipers.functional.classification.ranking import (
    multilabel_coverage_error,
    multilabel_ranking_average_precision,
    multilabel_ranking_loss,
)
from calipers_testing import BadInput, MetricSpec, run_metric_tests
from calipers_testing.states import snapshot, snapshots_equal

_gen = torch.Generator().manual_seed(3)
_SIZES = (7, 3, 1, 5)
_SKLEARN = {
    "coverage": coverage_error,
    "lrap": label_ranking_average_precision_score,
    "loss": label_ranking_loss,
}


# References: scikit-learn on the samples (extra dimensions moved into the samples). With ignore_index scikit-learn
# has no equivalent, so each sample is scored by NumPy from the definitions, its ignored labels dropped.
def _rows(preds, target):
    num_labels = preds.shape[1]
    return np.moveaxis(preds, 1, -1).reshape(-1, num_labels), np.moveaxis(target, 1, -1).reshape(-1, num_labels)


def _one_sample(kind, s, y):
    rel, irr = s[y == 1], s[y == 0]
    if kind == "coverage":
        return float((s >= rel.min()).sum()) if rel.size else 0.0
    if kind == "lrap":
        if rel.size in (0, s.size):
            return 1.0
        return float(np.mean([(rel >= r).sum() / (s >= r).sum() for r in rel]))
    if rel.size == 0 or irr.size == 0:
        return 0.0
    return float(sum((irr >= r).sum() for r in rel) / (rel.size * irr.size))


def _reference(kind, ignore_index=None):
    def ref(preds, target):
        s, y = _rows(preds, target)
        if ignore_index is None:
            return _SKLEARN[kind](y, s)
        return np.mean(
            [_one_sample(kind, s[i][y[i] != ignore_index], y[i][y[i] != ignore_index]) for i in range(len(s))]
        )

    return ref


def _batches(num_labels, extra=(), ties=False, ignore=False, logits=False):
    out = []
    for n in _SIZES:
        if ties:
            p = torch.randint(0, 3, (n, num_labels, *extra), generator=_gen).float() / 2
        else:
            p = torch.randn(n, num_labels, *extra, generator=_gen) * (3 if logits else 1)
            p = p if logits else p.sigmoid()
        t = torch.randint(0, 2, (n, num_labels, *extra), generator=_gen)
        if ignore:
            t = torch.where(torch.rand(t.shape, generator=_gen) < 0.25, -1, t)
        out.append((p, t))
    return out


# Samples with no relevant label, with every label relevant, and all-tied scores.
_EDGES = [
    (torch.tensor([[0.1, 0.5, 0.9], [0.3, 0.3, 0.3]]), torch.tensor([[0, 0, 0], [1, 0, 1]])),
    (torch.tensor([[0.2, 0.2, 0.7], [0.6, 0.1, 0.4]]), torch.tensor([[1, 1, 1], [0, 1, 0]])),
]

_DEVICE = r"must be on the (metric's )?device"
_BAD = [
    BadInput((torch.tensor([[1, 0, 1]]), torch.tensor([[1, 0, 1]])), TypeError, "`preds` must be a floating-point"),
    BadInput((torch.rand(2, 4), torch.ones(2, 4, dtype=torch.long)), ValueError, r"shape \(N, num_labels=3, ...\)"),
    BadInput((torch.rand(2, 3), torch.ones(2, 2, dtype=torch.long)), ValueError, "must have the shape of `target`"),
    BadInput((torch.rand(1, 3), torch.tensor([[0, 2, 1]])), ValueError, r"`target` values must be in \[0, 1\]"),
    # issue 17: NaN scores, inputs on another device than the states (before any value is read), non-tensors
    BadInput((torch.tensor([[0.1, float("nan"), 0.3]]), torch.tensor([[0, 1, 1]])), ValueError, "must hold only non-N"),
    BadInput((torch.rand(1, 3, device="meta"), torch.tensor([[0, 1, 1]])), ValueError, _DEVICE),
    BadInput((torch.rand(1, 3), torch.tensor([[0, 1, 1]], device="meta")), ValueError, _DEVICE),
    BadInput(([[0.1, 0.2, 0.3]], torch.tensor([[0, 1, 1]])), TypeError, "`preds` must be a floating-point tensor, got"),
    BadInput((torch.rand(1, 3), None), TypeError, "`target` must be a tensor, got NoneType"),
]

_CLASSES = {
    "coverage": (MultilabelCoverageError, multilabel_coverage_error),
    "lrap": (MultilabelRankingAveragePrecision, multilabel_ranking_average_precision),
    "loss": (MultilabelRankingLoss, multilabel_ranking_loss),
}

SPECS = []
for _kind, (_cls, _fn) in _CLASSES.items():
    SPECS += [
        MetricSpec(_cls, _reference(_kind), _batches(4), {"num_labels": 4}, _fn, bad_inputs=_BAD[:1], id=f"{_kind}"),
        MetricSpec(
            _cls,
            _reference(_kind),
            _batches(3, extra=(2,), logits=True),
            {"num_labels": 3},
            _fn,
            bad_inputs=_BAD,
            ddp=False,
            id=f"{_kind}-logits-3d",
        ),
        MetricSpec(
            _cls, _reference(_kind), _batches(5, ties=True), {"num_labels": 5}, _fn, ddp=False, id=f"{_kind}-ties"
        ),
        MetricSpec(_cls, _reference(_kind), _EDGES, {"num_labels": 3}, _fn, ddp=False, id=f"{_kind}-edges"),
        MetricSpec(
            _cls,
            _reference(_kind, ignore_index=-1),
            _batches(4, ties=True, ignore=True),
            {"num_labels": 4, "ignore_index": -1},
            _fn,
            id=f"{_kind}-ignore",
        ),
    ]


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.name)
def test_ranking_harness(spec):
    run_metric_tests(spec)


@pytest.mark.parametrize("kind", list(_CLASSES))
def test_state_names(kind):
    metric = _CLASSES[kind][0](num_labels=3)
    metric.persistent(True)
    assert set(metric.state_dict()) == {"measure", "total"}


def test_ignored_labels_leave_their_sample():
    # Dropping the ignored label gives the scores of the two remaining labels.
    preds, target = torch.tensor([[0.9, 0.8, 0.1]]), torch.tensor([[0, -1, 1]])
    assert multilabel_coverage_error(preds, target, 3, ignore_index=-1).item() == 2.0
    assert multilabel_ranking_loss(preds, target, 3, ignore_index=-1).item() == 1.0
    assert multilabel_ranking_average_precision(preds, target, 3, ignore_index=-1).item() == 0.5


def test_ties_count_as_wrongly_ordered_pairs():
    preds, target = torch.tensor([[0.5, 0.5, 0.2]]), torch.tensor([[1, 0, 0]])
    assert multilabel_ranking_loss(preds, target, 3).item() == 0.5
    assert multilabel_coverage_error(preds, target, 3).item() == 2.0


def test_logits_and_probabilities_rank_the_same():
    logits = torch.randn(6, 4, generator=_gen) * 4
    target = torch.randint(0, 2, (6, 4), generator=_gen)
    for fn in (multilabel_coverage_error, multilabel_ranking_average_precision, multilabel_ranking_loss):
        torch.testing.assert_close(fn(logits, target, 4), fn(logits.sigmoid(), target, 4))


def test_no_samples_is_nan():
    metric = MultilabelRankingLoss(num_labels=3)
    metric.update(torch.zeros(0, 3), torch.zeros(0, 3, dtype=torch.long))
    assert torch.isnan(metric.compute())


@pytest.mark.parametrize("kind", list(_CLASSES))
def test_bad_arguments(kind):
    cls, fn = _CLASSES[kind]
    with pytest.raises(ValueError, match=f"{cls.__name__}: `num_labels` must be an int >= 2, got 1"):
        cls(num_labels=1)
    with pytest.raises(TypeError, match=f"{cls.__name__}: `num_labels` must be an int >= 2, got '3'"):
        cls(num_labels="3")
    with pytest.raises(TypeError, match=f"{fn.__name__}: `ignore_index` must be None or an int, got 0.5"):
        fn(torch.rand(2, 3), torch.ones(2, 3, dtype=torch.long), 3, ignore_index=0.5)


@pytest.mark.parametrize("kind", list(_CLASSES))
@pytest.mark.parametrize("ignore_index", [None, -1])
def test_update_without_validation_needs_no_host_sync(kind, ignore_index):
    # On the meta device any value-dependent host synchronisation (.item(), bool(), nonzero) raises.
    metric = _CLASSES[kind][0](num_labels=4, ignore_index=ignore_index, validate_args=False).to("meta")
    metric.update(torch.rand(8, 4, device="meta"), torch.ones(8, 4, dtype=torch.long, device="meta"))
    assert metric.measure.device.type == "meta"


@pytest.mark.parametrize("kind", sorted(_CLASSES))
def test_an_empty_batch_is_a_no_op_and_functionals_check_arguments(kind):
    cls, fn = _CLASSES[kind]
    metric = cls(3)
    metric.update(torch.rand(2, 3), torch.tensor([[0, 1, 1], [1, 0, 0]]))
    before = [(k, v) for k, v in snapshot(metric) if not k.endswith("_update_count")]
    metric.update(torch.zeros(0, 3), torch.zeros(0, 3, dtype=torch.long))
    assert snapshots_equal(before, [(k, v) for k, v in snapshot(metric) if not k.endswith("_update_count")]) is None
    with pytest.raises(ValueError, match=r"`num_labels` must be an int >= 2, got 1"):
        fn(torch.rand(2, 3), torch.tensor([[0, 1, 1], [1, 0, 0]]), 1, validate_args=False)
