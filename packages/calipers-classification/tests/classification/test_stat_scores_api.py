"""API promises of the stat-scores and confusion-matrix families: argument errors, task facades, state signatures
(compute groups), the buffer-backed states, and no host synchronisation in ``update`` with ``validate_args=False``."""

from __future__ import annotations

import pickle
from contextlib import contextmanager

import pytest
import torch

from calipers import MetricCollection
from calipers.classification import (
    Accuracy,
    BinaryAccuracy,
    BinaryF1Score,
    BinaryStatScores,
    ExactMatch,
    F1Score,
    FBetaScore,
    MulticlassAccuracy,
    MulticlassConfusionMatrix,
    MulticlassF1Score,
    MulticlassFBetaScore,
    MulticlassJaccardIndex,
    MulticlassMatthewsCorrCoef,
    MulticlassPrecision,
    MulticlassRecall,
    MulticlassSpecificity,
    MulticlassStatScores,
    MultilabelAccuracy,
    MultilabelStatScores,
    Precision,
    StatScores,
)
from calipers.exceptions import CalipersUserWarning
from calipers.functional.classification import (
    accuracy,
    binary_accuracy,
    multiclass_accuracy,
    multiclass_stat_scores,
    multilabel_accuracy,
)

_gen = torch.Generator().manual_seed(11)


@pytest.mark.parametrize(
    ("make", "error", "match"),
    [
        (lambda: MulticlassAccuracy(1), ValueError, r"MulticlassAccuracy: `num_classes` must be an int >= 2, got 1\."),
        (lambda: MulticlassAccuracy(2.5), TypeError, r"`num_classes` must be an int >= 2, got 2.5\."),
        (lambda: MulticlassAccuracy(), TypeError, r"`num_classes` must be an int >= 2, got None\."),
        (lambda: MulticlassAccuracy(3, top_k=4), ValueError, r"`top_k` must be an int in \[1, num_classes=3\], got 4"),
        (lambda: MulticlassAccuracy(3, top_k=0), ValueError, r"`top_k` must be an int in \[1, num_classes=3\], got 0"),
        (
            lambda: MulticlassAccuracy(3, average="mean"),
            ValueError,
            r"`average` must be one of \['macro', 'micro', 'none', 'weighted', None\], got 'mean'\.",
        ),
        (
            lambda: BinaryAccuracy(multidim_average="per_sample"),
            ValueError,
            r"`multidim_average` must be one of \['global', 'samplewise'\], got 'per_sample'\.",
        ),
        (lambda: BinaryAccuracy(threshold=1.5), ValueError, r"`threshold` must be a float in \[0, 1\], got 1.5\."),
        (lambda: BinaryAccuracy(threshold="0.5"), TypeError, r"`threshold` must be a float in \[0, 1\], got '0.5'\."),
        (lambda: BinaryAccuracy(ignore_index=0.5), TypeError, r"`ignore_index` must be None or an int, got 0.5\."),
        (lambda: BinaryF1Score(zero_division=0.5), ValueError, r"`zero_division` must be 0 or 1, got 0.5\."),
        (lambda: MultilabelAccuracy(1), ValueError, r"`num_labels` must be an int >= 2, got 1\."),
        (
            lambda: MulticlassFBetaScore(0.0, 3),
            ValueError,
            r"MulticlassFBetaScore: `beta` must be a float > 0, got 0.0",
        ),
        (
            lambda: Accuracy(task="multi"),
            ValueError,
            r"Accuracy: `task` must be one of \['binary', 'multiclass', 'multilabel'\], got 'multi'\.",
        ),
        (lambda: ExactMatch(task="binary"), ValueError, r"`task` must be one of \['multiclass', 'multilabel'\]"),
        (lambda: Accuracy(task="binary", foo=1), TypeError, "unexpected keyword argument"),
        (
            lambda: multiclass_accuracy(torch.randn(4, 3), torch.tensor([0, 1, 2, 1]), 3, average="avg"),
            ValueError,
            r"multiclass_accuracy: `average` must be one of",
        ),
        (
            lambda: accuracy(torch.rand(3), torch.ones(3, dtype=torch.long), task="regression"),
            ValueError,
            r"accuracy: `task` must be one of",
        ),
        (
            lambda: binary_accuracy(torch.rand(3, 2), torch.ones(3, dtype=torch.long)),
            ValueError,
            r"binary_accuracy: `preds` must have the shape of `target` \(3,\), got \(3, 2\)\.",
        ),
        (
            lambda: binary_accuracy(torch.rand(3), torch.ones(3, dtype=torch.long), multidim_average="samplewise"),
            ValueError,
            r"`preds` must have at least 2 dimensions with multidim_average='samplewise', got 1\.",
        ),
        (
            lambda: multiclass_accuracy(torch.tensor([0, 1]), torch.tensor([0, 1]), 3, top_k=2),
            ValueError,
            r"`preds` must be float scores of shape \(N, C, ...\) when top_k > 1, got labels\.",
        ),
        (
            lambda: multiclass_accuracy(torch.tensor([0.0, 1.0]), torch.tensor([0, 1]), 3),
            TypeError,
            r"`preds` must be an integer tensor of labels when it has the shape of `target`",
        ),
        (
            lambda: multiclass_accuracy(torch.randn(2, 3), torch.tensor([0, -2]), 3),
            ValueError,
            r"multiclass_accuracy: `target` values must be in \[0, 2\], got -2\.",
        ),
        (
            lambda: multiclass_accuracy(torch.randn(2, 3), torch.tensor([0, 7]), 3, ignore_index=-1),
            ValueError,
            r"`target` values must be in \[0, 2\] or ignore_index=-1, got 7\.",
        ),
        (
            lambda: multilabel_accuracy(torch.rand(2, 3), torch.tensor([[0, 1, 1], [1, 0, 3]]), 3),
            ValueError,
            r"multilabel_accuracy: `target` values must be in \[0, 1\], got 3\.",
        ),
    ],
)
def test_errors_name_the_argument(make, error, match):
    with pytest.raises(error, match=match):
        make()


def test_task_facades_are_instances_of_both_classes_and_pickle():
    metric = Accuracy(task="multiclass", num_classes=3, average="macro")
    assert isinstance(metric, Accuracy) and isinstance(metric, MulticlassAccuracy)
    assert type(metric).__name__ == "_AccuracyMulticlass" and repr(metric) == "MulticlassAccuracy()"
    assert [c.__name__ for c in type(metric).__mro__].count("MulticlassAccuracy") == 1
    assert metric.average == "macro" and metric.num_classes == 3
    f1 = F1Score("multilabel", num_labels=4, zero_division=1)  # positional task, TorchMetrics' signature
    assert f1.zero_division == 1 and f1.num_labels == 4
    assert FBetaScore(task="binary", beta=2.0).beta == 2.0
    assert isinstance(Precision(task="binary"), Precision)
    assert isinstance(StatScores(task="multilabel", num_labels=2), MultilabelStatScores)
    restored = pickle.loads(pickle.dumps(metric))
    assert type(restored) is type(metric) and isinstance(restored, Accuracy)
    assert not isinstance(BinaryAccuracy(), Accuracy)  # the plain task class is not a facade


def test_one_state_signature_for_the_family_and_one_compute_group():
    kwargs = {"num_classes": 4, "ignore_index": 0}
    metrics = {
        "acc": MulticlassAccuracy(**kwargs),
        "acc_micro": MulticlassAccuracy(average="micro", **kwargs),
        "prec": MulticlassPrecision(**kwargs),
        "rec": MulticlassRecall(average="weighted", **kwargs),
        "f1": MulticlassF1Score(**kwargs),
        "spec": MulticlassSpecificity(**kwargs),
    }
    signatures = {m._state_signature() for m in metrics.values()}
    assert len(signatures) == 1
    assert MulticlassAccuracy(4, ignore_index=1)._state_signature() not in signatures
    assert MulticlassAccuracy(4, top_k=2, ignore_index=0)._state_signature() not in signatures
    assert BinaryAccuracy(threshold=0.3)._state_signature() != BinaryAccuracy()._state_signature()
    confmats = [MulticlassConfusionMatrix(4), MulticlassJaccardIndex(4), MulticlassMatthewsCorrCoef(4)]
    assert len({m._state_signature() for m in confmats}) == 1

    collection = MetricCollection({k: m.clone() for k, m in metrics.items()})
    assert len(collection.compute_groups) == 1
    batches = [(torch.randn(n, 4, generator=_gen), torch.randint(0, 4, (n,), generator=_gen)) for n in (5, 9, 3)]
    for batch in batches:
        collection.update(*batch)
        for metric in metrics.values():
            metric.update(*batch)
    values = collection.compute()
    for name, metric in metrics.items():
        torch.testing.assert_close(values[name], metric.compute())


def test_states_are_ordinary_tensors_backed_by_one_buffer():
    metric = MulticlassAccuracy(3)
    preds, target = torch.tensor([0, 1, 2, 2]), torch.tensor([0, 1, 1, 2])
    metric.update(preds, target)
    assert metric.tp._base is metric.fp._base is not None  # one in-place add per batch
    metric.tp = metric.tp.clone()  # an outside replacement (load, merge, move) is picked up on the next update
    metric.update(preds, target)
    assert metric.tp.tolist() == [2, 2, 2] and metric.fp.tolist() == [0, 0, 2] and metric.fn.tolist() == [0, 2, 0]
    assert metric.tn.tolist() == [6, 4, 4]
    metric.reset()
    assert metric.tp.tolist() == [0, 0, 0]


@contextmanager
def _no_host_sync():
    """Make every tensor-to-Python conversion raise, as a stand-in for a device synchronisation."""

    def fail(*args, **kwargs):
        raise AssertionError("host synchronisation in update")

    names = ("item", "tolist", "__bool__", "__int__", "__float__", "__index__")
    saved = {name: getattr(torch.Tensor, name) for name in names}
    for name in names:
        setattr(torch.Tensor, name, fail)
    try:
        yield
    finally:
        for name, method in saved.items():
            setattr(torch.Tensor, name, method)


@pytest.mark.parametrize(
    ("metric", "batch"),
    [
        (BinaryAccuracy(validate_args=False, ignore_index=-1), (torch.randn(8), torch.randint(0, 2, (8,)))),
        (
            BinaryStatScores(validate_args=False, multidim_average="samplewise"),
            (torch.rand(4, 3), torch.randint(0, 2, (4, 3))),
        ),
        (MulticlassAccuracy(5, validate_args=False), (torch.randn(8, 5), torch.randint(0, 5, (8,)))),
        (MulticlassAccuracy(5, validate_args=False, ignore_index=0), (torch.randn(8, 5), torch.randint(0, 5, (8,)))),
        (MulticlassF1Score(40, top_k=3, validate_args=False), (torch.randn(8, 40), torch.randint(0, 40, (8,)))),
        (MulticlassConfusionMatrix(5, validate_args=False), (torch.randn(8, 5), torch.randint(0, 5, (8,)))),
        (MultilabelAccuracy(3, validate_args=False, ignore_index=-1), (torch.randn(8, 3), torch.randint(0, 2, (8, 3)))),
    ],
)
def test_update_without_validation_has_no_host_sync(metric, batch):
    with _no_host_sync():
        metric.update(*batch)
    assert metric.update_count == 1


def test_logits_rule_is_decided_per_batch():
    target = torch.tensor([1, 0, 1, 0])
    probs = torch.tensor([0.6, 0.4, 0.7, 0.2])  # within [0, 1]: probabilities, thresholded as they are
    logits = torch.tensor([0.3, -2.0, 1.5, -0.1])  # a value outside [0, 1]: sigmoid first
    assert binary_accuracy(probs, target).item() == 1.0
    assert binary_accuracy(logits, target).item() == 1.0
    assert binary_accuracy(torch.tensor([0.3, 0.2, 0.9, 0.1]), target).item() == 0.75  # 0.3 is a probability


def test_absent_class_and_empty_inputs():
    # Class 2 never occurs: macro averages the two others; "none" reports 0 for it.
    preds, target = torch.tensor([0, 1, 1, 0]), torch.tensor([0, 1, 0, 0])
    assert multiclass_accuracy(preds, target, 3).item() == pytest.approx((2 / 3 + 1) / 2)
    assert multiclass_accuracy(preds, target, 3, average=None).tolist() == pytest.approx([2 / 3, 1.0, 0.0])
    empty = multiclass_stat_scores(torch.zeros(0, dtype=torch.long), torch.zeros(0, dtype=torch.long), 3)
    assert empty.tolist() == [0.0] * 5
    with pytest.warns(CalipersUserWarning, match="called before `update`"):
        assert MulticlassAccuracy(3).compute().item() == 0.0  # no update: every class absent


def test_plot_through_the_base_class():
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    preds, target = torch.tensor([0, 1, 2, 2]), torch.tensor([0, 1, 1, 2])
    accuracy_metric = MulticlassAccuracy(3, average=None)
    accuracy_metric.update(preds, target)
    fig, _ = accuracy_metric.plot()
    confmat = MulticlassConfusionMatrix(3)
    confmat.update(preds, target)
    fig2, ax = confmat.plot(labels=["a", "b", "c"])
    assert ax.get_xlabel() == "Predicted class"
    plt.close(fig)
    plt.close(fig2)


# ---------------------------------------------------------------------------------- issue 11: float targets, empty, NaN
_FAMILY = [
    (BinaryAccuracy, {}, lambda n: (torch.rand(n), torch.randint(0, 2, (n,)))),
    (BinaryF1Score, {}, lambda n: (torch.rand(n), torch.randint(0, 2, (n,)))),
    (BinaryStatScores, {"multidim_average": "samplewise"}, lambda n: (torch.rand(n, 3), torch.randint(0, 2, (n, 3)))),
    (BinaryAccuracy, {"ignore_index": -1}, lambda n: (torch.rand(n), torch.randint(0, 2, (n,)))),
    (MulticlassAccuracy, {"num_classes": 4}, lambda n: (torch.randn(n, 4), torch.randint(0, 4, (n,)))),
    (MulticlassF1Score, {"num_classes": 40}, lambda n: (torch.randn(n, 40), torch.randint(0, 40, (n,)))),
    (MulticlassPrecision, {"num_classes": 4, "top_k": 2}, lambda n: (torch.randn(n, 4), torch.randint(0, 4, (n,)))),
    (MulticlassRecall, {"num_classes": 4, "ignore_index": 0}, lambda n: (torch.randn(n, 4), torch.randint(0, 4, (n,)))),
    (
        MulticlassStatScores,
        {"num_classes": 3, "multidim_average": "samplewise"},
        lambda n: (torch.randn(n, 3, 2), torch.randint(0, 3, (n, 2))),
    ),
    (MultilabelAccuracy, {"num_labels": 3}, lambda n: (torch.rand(n, 3), torch.randint(0, 2, (n, 3)))),
    (
        MultilabelStatScores,
        {"num_labels": 3, "multidim_average": "samplewise"},
        lambda n: (torch.rand(n, 3, 2), torch.randint(0, 2, (n, 3, 2))),
    ),
]
_IDS = [f"{cls.__name__}-{'-'.join(map(str, kw.values()))}" for cls, kw, _ in _FAMILY]


@pytest.mark.parametrize(("cls", "kwargs", "make"), _FAMILY, ids=_IDS)
def test_empty_batch_is_a_no_op_update(cls, kwargs, make):
    metric = cls(**kwargs)
    metric.update(*make(5))
    before = metric.compute()
    states = {name: getattr(metric, name) for name in ("tp", "fp", "tn", "fn")}
    states = {k: [t.clone() for t in v] if isinstance(v, list) else v.clone() for k, v in states.items()}
    metric.update(*make(0))
    metric(*make(0))
    for name, value in states.items():
        now = getattr(metric, name)
        if isinstance(value, list):  # samplewise: an empty batch appends no sample
            assert torch.cat(now).shape[0] == torch.cat(value).shape[0]
        else:
            assert torch.equal(now, value), name
    torch.testing.assert_close(metric.compute(), before)


@pytest.mark.parametrize(("cls", "kwargs", "make"), _FAMILY, ids=_IDS)
def test_float_targets_holding_labels_count_as_labels(cls, kwargs, make):
    preds, target = make(9)
    as_int, as_float = cls(**kwargs), cls(**kwargs)
    as_int.update(preds, target)
    as_float.update(preds, target.float())
    torch.testing.assert_close(as_float.compute(), as_int.compute())
    bad = target.double()
    bad.view(-1)[0] = 0.3
    with pytest.raises(ValueError, match=r"`target` values must be whole numbers in \[0, \d+\].*, got 0\.3"):
        as_float.update(preds, bad)


@pytest.mark.parametrize(("cls", "kwargs", "make"), _FAMILY, ids=_IDS)
def test_nan_preds_raise_under_validation(cls, kwargs, make):
    preds, target = make(6)
    preds.view(-1)[3] = float("nan")
    metric = cls(**kwargs)
    with pytest.raises(ValueError, match=rf"{cls.__name__}: `preds` must hold only non-NaN values, got 1 NaN"):
        metric.update(preds, target)
    assert metric.update_count == 0
    unchecked = cls(**kwargs, validate_args=False)  # documented: no check, a NaN is a negative / the row's largest
    unchecked.update(preds, target)
    assert unchecked.update_count == 1


def test_nan_preds_in_the_functionals_and_the_key_argmax():
    with pytest.raises(ValueError, match="binary_accuracy: `preds` must hold only non-NaN"):
        binary_accuracy(torch.tensor([0.2, float("nan")]), torch.tensor([0, 1]))
    assert binary_accuracy(torch.tensor([0.9, float("nan")]), torch.tensor([1, 0]), validate_args=False).item() == 1.0
    with pytest.raises(ValueError, match="multilabel_accuracy: `preds` must hold"):
        multilabel_accuracy(torch.tensor([[0.2, float("nan")]]), torch.tensor([[0, 1]]), num_labels=2)
    big = torch.randn(300, 50, generator=_gen)  # large enough for the integer-key argmax: NaN seen in the maxima
    target = torch.randint(0, 50, (300,), generator=_gen)
    multiclass_accuracy(big, target, 50)
    big[123, 7] = float("nan")
    with pytest.raises(ValueError, match="multiclass_accuracy: `preds` must hold only non-NaN values, got 1 NaN"):
        multiclass_accuracy(big, target, 50)
    with pytest.raises(ValueError, match="multiclass_accuracy: `preds` must hold"):
        multiclass_accuracy(big, target, 50, top_k=3)
    inf = torch.tensor([[float("inf"), 0.0], [float("-inf"), 0.0]])  # inf and -inf sum to NaN: not a NaN input
    assert multiclass_accuracy(inf, torch.tensor([0, 1]), 2).item() == 1.0


def test_binary_target_transformer_with_binary_accuracy():
    from calipers.wrappers import BinaryTargetTransformer

    metric = BinaryTargetTransformer(BinaryAccuracy())
    metric.update(torch.tensor([0.2, 0.8, 0.9, 0.1]), torch.tensor([0, 3, 1, 2]))
    assert metric.compute().item() == 0.75


def test_inputs_on_another_device_raise_before_any_state_changes():
    for metric, (preds, target) in [
        (BinaryAccuracy(), (torch.rand(4), torch.randint(0, 2, (4,)))),
        (MulticlassAccuracy(4), (torch.randn(4, 4), torch.randint(0, 4, (4,)))),
        (MultilabelAccuracy(3), (torch.rand(4, 3), torch.randint(0, 2, (4, 3)))),
    ]:
        name = type(metric).__name__
        metric.update(preds, target)
        tp = metric.tp.clone()
        with pytest.raises(
            ValueError, match=rf"{name}: `preds` must be on the metric's device cpu, got a tensor on meta"
        ):
            metric.update(preds.to("meta"), target)
        with pytest.raises(ValueError, match=rf"{name}: `target` must be on the metric's device cpu, got .* on meta"):
            metric(preds, target.to("meta"))
        assert torch.equal(metric.tp, tp) and metric.update_count == 1


def test_compute_group_followers_keep_sharing_the_leaders_states():
    collection = MetricCollection(
        {"acc": MulticlassAccuracy(4), "f1": MulticlassF1Score(4), "prec": MulticlassPrecision(4, average="micro")}
    )
    members = list(collection.values())
    for step in range(3):
        batch = (torch.randn(6, 4, generator=_gen), torch.randint(0, 4, (6,), generator=_gen))
        if step == 1:
            collection(*batch)
        else:
            collection.update(*batch)
        collection.compute()
        for name in ("tp", "fp", "tn", "fn"):
            leader = getattr(members[0], name)
            assert all(getattr(m, name) is leader for m in members[1:]), (step, name)
    collection.reset()
    assert all(m.tp is members[0].tp for m in members[1:])
