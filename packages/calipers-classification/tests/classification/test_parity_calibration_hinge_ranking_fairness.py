"""Parity with TorchMetrics 1.9 on random inputs: calibration error, hinge loss, multilabel ranking, group fairness.

Signatures (names, order, defaults) and values of every class and function, for every option. Known, documented
deviations are not compared here: ranking coverage/loss with ``ignore_index`` (TorchMetrics counts ignored labels),
ties in the ranking loss, groups absent from a batch and groups with an undefined rate in the fairness metrics.
"""

from __future__ import annotations

import importlib
import inspect
import warnings

import pytest
import torch

import calipers.classification.calibration_error as cal
import calipers.classification.group_fairness as fair
import calipers.classification.hinge as hin
import calipers.classification.ranking as rank
import calipers.functional.classification.group_fairness as ffair
import calipers.functional.classification.hinge as fhin
import calipers.functional.classification.ranking as frank

# The package exports a function named like this module: take the module itself.
fcal = importlib.import_module("calipers.functional.classification.calibration_error")

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    tm = pytest.importorskip("torchmetrics")
    import torchmetrics.classification as tmc
    import torchmetrics.functional.classification as tmf

_CLASSES = {
    "BinaryCalibrationError": cal,
    "MulticlassCalibrationError": cal,
    "CalibrationError": cal,
    "BinaryHingeLoss": hin,
    "MulticlassHingeLoss": hin,
    "HingeLoss": hin,
    "MultilabelCoverageError": rank,
    "MultilabelRankingAveragePrecision": rank,
    "MultilabelRankingLoss": rank,
    "BinaryFairness": fair,
    "BinaryGroupStatRates": fair,
}
_FUNCTIONS = {
    "binary_calibration_error": fcal,
    "multiclass_calibration_error": fcal,
    "calibration_error": fcal,
    "binary_hinge_loss": fhin,
    "multiclass_hinge_loss": fhin,
    "hinge_loss": fhin,
    "multilabel_coverage_error": frank,
    "multilabel_ranking_average_precision": frank,
    "multilabel_ranking_loss": frank,
    "binary_fairness": ffair,
    "binary_groups_stat_rates": ffair,
    "demographic_parity": ffair,
    "equal_opportunity": ffair,
}


def _tm(fn, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fn(*args, **kwargs)


def _params(obj):
    target = obj.__new__ if "__new__" in vars(obj) and obj.__module__.startswith("torchmetrics") else obj
    target = obj.__init__ if inspect.isclass(obj) and target is obj else target
    return [(p.name, p.kind, p.default) for p in inspect.signature(target).parameters.values() if p.name != "cls"]


@pytest.mark.parametrize("name", sorted(_CLASSES))
def test_class_signature(name):
    ours = [p for p in _params(getattr(_CLASSES[name], name)) if p[0] != "self"]
    theirs = [p for p in _params(getattr(tmc, name)) if p[0] != "self"]
    assert ours == theirs


@pytest.mark.parametrize("name", sorted(_FUNCTIONS))
def test_function_signature(name):
    assert _params(getattr(_FUNCTIONS[name], name)) == _params(getattr(tmf, name))


def _assert_same(ours, theirs):
    if isinstance(theirs, dict):
        assert ours.keys() == theirs.keys()
        for key in theirs:
            torch.testing.assert_close(ours[key].float(), theirs[key].float(), rtol=1e-5, atol=1e-6)
    else:
        torch.testing.assert_close(ours.float(), theirs.float(), rtol=1e-5, atol=1e-6)


def _check(ours_cls, theirs_cls, ours_fn, theirs_fn, batches, kwargs, fn_kwargs=None):
    fn_kwargs = kwargs if fn_kwargs is None else fn_kwargs
    for batch in batches:
        _assert_same(ours_fn(*batch, **fn_kwargs), _tm(theirs_fn, *batch, **fn_kwargs))
    ours, theirs = ours_cls(**kwargs), _tm(theirs_cls, **kwargs)
    for batch in batches:
        _assert_same(ours(*batch), _tm(theirs, *batch))
    _assert_same(ours.compute(), _tm(theirs.compute))


_gen = torch.Generator().manual_seed(2024)


def _binary(logits, extra=(), ignore=False, n=40):
    out = []
    for _ in range(3):
        p = torch.randn(n, *extra, generator=_gen) * 3 if logits else torch.rand(n, *extra, generator=_gen)
        t = torch.randint(0, 2, (n, *extra), generator=_gen)
        if ignore:
            t = torch.where(torch.rand(t.shape, generator=_gen) < 0.2, -1, t)
        out.append((p, t))
    return out


def _multiclass(num_classes, logits, extra=(), ignore=False, n=40):
    out = []
    for _ in range(3):
        x = torch.randn(n, num_classes, *extra, generator=_gen) * 2
        t = torch.randint(0, num_classes, (n, *extra), generator=_gen)
        if ignore:
            t = torch.where(torch.rand(t.shape, generator=_gen) < 0.2, -1, t)
        out.append((x if logits else x.softmax(1), t))
    return out


@pytest.mark.parametrize("norm", ["l1", "l2", "max"])
@pytest.mark.parametrize("logits", [False, True])
@pytest.mark.parametrize("ignore", [False, True])
def test_calibration_error(norm, logits, ignore):
    kwargs = {"n_bins": 7, "norm": norm, "ignore_index": -1 if ignore else None}
    batches = _binary(logits, (2,), ignore)
    _check(cal.BinaryCalibrationError, tmc.BinaryCalibrationError, fcal.binary_calibration_error,
           tmf.binary_calibration_error, batches, kwargs)  # fmt: skip
    batches = _multiclass(4, logits, (2,), ignore)
    kwargs = {"num_classes": 4, **kwargs}
    _check(cal.MulticlassCalibrationError, tmc.MulticlassCalibrationError, fcal.multiclass_calibration_error,
           tmf.multiclass_calibration_error, batches, kwargs)  # fmt: skip
    _check(cal.CalibrationError, tmc.CalibrationError, fcal.calibration_error, tmf.calibration_error, batches,
           {"task": "multiclass", **kwargs})  # fmt: skip


@pytest.mark.parametrize("squared", [False, True])
@pytest.mark.parametrize("logits", [False, True])
@pytest.mark.parametrize("ignore", [False, True])
def test_binary_hinge_loss(squared, logits, ignore):
    kwargs = {"squared": squared, "ignore_index": -1 if ignore else None}
    batches = _binary(logits, (), ignore)
    _check(hin.BinaryHingeLoss, tmc.BinaryHingeLoss, fhin.binary_hinge_loss, tmf.binary_hinge_loss, batches, kwargs)
    _check(hin.HingeLoss, tmc.HingeLoss, fhin.hinge_loss, tmf.hinge_loss, batches, {"task": "binary", **kwargs})


@pytest.mark.parametrize("mode", ["crammer-singer", "one-vs-all"])
@pytest.mark.parametrize("squared", [False, True])
@pytest.mark.parametrize(("logits", "ignore"), [(False, False), (True, True)])
def test_multiclass_hinge_loss(mode, squared, logits, ignore):
    kwargs = {"num_classes": 3, "squared": squared, "multiclass_mode": mode, "ignore_index": -1 if ignore else None}
    batches = _multiclass(3, logits, (2,), ignore)
    _check(hin.MulticlassHingeLoss, tmc.MulticlassHingeLoss, fhin.multiclass_hinge_loss, tmf.multiclass_hinge_loss,
           batches, kwargs)  # fmt: skip
    _check(hin.HingeLoss, tmc.HingeLoss, fhin.hinge_loss, tmf.hinge_loss, batches, {"task": "multiclass", **kwargs})


_RANKING = [
    ("MultilabelCoverageError", "multilabel_coverage_error"),
    ("MultilabelRankingAveragePrecision", "multilabel_ranking_average_precision"),
    ("MultilabelRankingLoss", "multilabel_ranking_loss"),
]


def _multilabel(num_labels, logits, extra=(), ignore=False, n=30):
    out = []
    for _ in range(3):
        x = torch.randn(n, num_labels, *extra, generator=_gen) * 2
        t = torch.randint(0, 2, (n, num_labels, *extra), generator=_gen)
        if ignore:
            t = torch.where(torch.rand(t.shape, generator=_gen) < 0.2, -1, t)
        out.append((x if logits else x.sigmoid(), t))
    return out


@pytest.mark.parametrize(("cls", "fn"), _RANKING)
@pytest.mark.parametrize(("logits", "extra"), [(False, ()), (True, (2,))])
def test_ranking(cls, fn, logits, extra):
    batches = _multilabel(5, logits, extra)
    _check(getattr(rank, cls), getattr(tmc, cls), getattr(frank, fn), getattr(tmf, fn), batches, {"num_labels": 5})


def test_ranking_average_precision_ignore_index():
    cls, fn = _RANKING[1]
    batches = _multilabel(5, False, (), ignore=True)
    kwargs = {"num_labels": 5, "ignore_index": -1}
    _check(getattr(rank, cls), getattr(tmc, cls), getattr(frank, fn), getattr(tmf, fn), batches, kwargs)


def _grouped(num_groups, logits, ignore=False, n=45):
    out = []
    for _ in range(3):
        p = torch.randn(n, generator=_gen) * 2 if logits else torch.rand(n, generator=_gen)
        t = torch.randint(0, 2, (n,), generator=_gen)
        g = torch.randint(0, num_groups, (n,), generator=_gen)
        g[: 2 * num_groups] = torch.arange(2 * num_groups) % num_groups  # every group in every batch,
        t[:num_groups] = 1  # with a positive target
        if ignore:
            t[2 * num_groups :] = torch.where(
                torch.rand(n - 2 * num_groups, generator=_gen) < 0.2, -1, t[2 * num_groups :]
            )
        out.append((p, t, g))
    return out


@pytest.mark.parametrize("task", ["demographic_parity", "equal_opportunity", "all"])
@pytest.mark.parametrize(("logits", "threshold", "ignore"), [(False, 0.5, False), (True, 0.3, True)])
def test_binary_fairness(task, logits, threshold, ignore):
    batches = _grouped(3, logits, ignore)
    if task == "demographic_parity":
        batches = [(p, None, g) for p, _, g in batches]
    kwargs = {"task": task, "threshold": threshold, "ignore_index": -1 if ignore else None}
    _check(fair.BinaryFairness, tmc.BinaryFairness, ffair.binary_fairness, tmf.binary_fairness, batches,
           {"num_groups": 3, **kwargs}, kwargs)  # fmt: skip
    for p, t, g in batches:
        kw = {"threshold": threshold, "ignore_index": kwargs["ignore_index"]}
        if task == "demographic_parity":
            _assert_same(ffair.demographic_parity(p, g, **kw), _tm(tmf.demographic_parity, p, g, **kw))
        if task == "equal_opportunity":
            _assert_same(ffair.equal_opportunity(p, t, g, **kw), _tm(tmf.equal_opportunity, p, t, g, **kw))


@pytest.mark.parametrize(("logits", "threshold", "ignore"), [(False, 0.5, False), (True, 0.7, True)])
def test_binary_group_stat_rates(logits, threshold, ignore):
    kwargs = {"num_groups": 3, "threshold": threshold, "ignore_index": -1 if ignore else None}
    _check(fair.BinaryGroupStatRates, tmc.BinaryGroupStatRates, ffair.binary_groups_stat_rates,
           tmf.binary_groups_stat_rates, _grouped(3, logits, ignore), kwargs)  # fmt: skip


@pytest.mark.parametrize(
    ("ours", "theirs", "kwargs"),
    [
        (hin.BinaryHingeLoss, tmc.BinaryHingeLoss, {}),
        (hin.MulticlassHingeLoss, tmc.MulticlassHingeLoss, {"num_classes": 3, "multiclass_mode": "one-vs-all"}),
        (rank.MultilabelRankingLoss, tmc.MultilabelRankingLoss, {"num_labels": 3}),
        (fair.BinaryFairness, tmc.BinaryFairness, {"num_groups": 3}),
        (fair.BinaryGroupStatRates, tmc.BinaryGroupStatRates, {"num_groups": 3}),
    ],
)
def test_state_names_and_shapes_match(ours, theirs, kwargs):
    a, b = ours(**kwargs), _tm(theirs, **kwargs)
    a.persistent(True)
    b.persistent(True)
    sa, sb = a.state_dict(), b.state_dict()
    assert sa.keys() == sb.keys()
    assert all(sa[k].shape == sb[k].shape for k in sa)


@pytest.mark.parametrize(
    ("name", "args"),
    [
        ("CalibrationError", ("multiclass", 5, "max", 3)),
        ("MulticlassCalibrationError", (3, 5, "l2")),
        ("HingeLoss", ("multiclass", 3, True, "one-vs-all")),
        ("MulticlassHingeLoss", (3, True, "one-vs-all")),
    ],
)
def test_positional_construction(name, args):
    batches = _multiclass(3, True)
    ours, theirs = getattr(_CLASSES[name], name)(*args), _tm(getattr(tmc, name), *args)
    for batch in batches:
        _assert_same(ours(*batch), _tm(theirs, *batch))
    _assert_same(ours.compute(), _tm(theirs.compute))


def test_positional_construction_fairness():
    batches = _grouped(3, False)
    ours, theirs = (
        fair.BinaryFairness(3, "equal_opportunity", 0.4),
        _tm(tmc.BinaryFairness, 3, "equal_opportunity", 0.4),
    )
    for batch in batches:
        _assert_same(ours(*batch), _tm(theirs, *batch))
    _assert_same(ours.compute(), _tm(theirs.compute))
