"""Parity with TorchMetrics 1.9 (run as an oracle, never copied) for the stat-scores and confusion-matrix families:
every class and functional, on random inputs, over the options that change the result."""

from __future__ import annotations

import itertools
import warnings
import zlib

import pytest
import torch

import calipers.classification as cc
import calipers.functional.classification as cf

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    import torchmetrics.classification as tmc
    import torchmetrics.functional.classification as tmf

_C, _L = 5, 3
_SNAKE = {
    "StatScores": "stat_scores",
    "Accuracy": "accuracy",
    "Precision": "precision",
    "Recall": "recall",
    "F1Score": "f1_score",
    "FBetaScore": "fbeta_score",
    "Specificity": "specificity",
    "NegativePredictiveValue": "negative_predictive_value",
    "HammingDistance": "hamming_distance",
    "JaccardIndex": "jaccard_index",
    "ConfusionMatrix": "confusion_matrix",
    "CohenKappa": "cohen_kappa",
    "MatthewsCorrCoef": "matthews_corrcoef",
    "ExactMatch": "exact_match",
}
_STAT_FAMILIES = [
    "StatScores",
    "Accuracy",
    "Precision",
    "Recall",
    "F1Score",
    "FBetaScore",
    "Specificity",
    "NegativePredictiveValue",
    "HammingDistance",
]


def _data(task, seed, extra=(), ignore=None, logits=False, labels=False):
    g = torch.Generator().manual_seed(seed)
    batches = []
    for n in (9, 4, 13):
        if task == "binary":
            shape = (n, *extra)
            t = torch.randint(0, 2, shape, generator=g)
            p = torch.randn(shape, generator=g) * 3 if logits else torch.rand(shape, generator=g)
        elif task == "multiclass":
            t = torch.randint(0, _C, (n, *extra), generator=g)
            p = torch.randint(0, _C, (n, *extra), generator=g) if labels else torch.randn(n, _C, *extra, generator=g)
        else:
            shape = (n, _L, *extra)
            t = torch.randint(0, 2, shape, generator=g)
            p = torch.randn(shape, generator=g) * 3 if logits else torch.rand(shape, generator=g)
        if ignore is not None:
            t = torch.where(torch.rand(t.shape, generator=g) < 0.2, ignore, t)
        batches.append((p, t))
    return batches


def _cases():
    cases = []
    for family in _STAT_FAMILIES:
        extra = {"beta": 2.0} if family == "FBetaScore" else {}
        for threshold, ignore, samplewise, logits in itertools.product((0.5, 0.3), (None, -1), (False, True), (0, 1)):
            kwargs = {**extra, "threshold": threshold, "ignore_index": ignore}
            if samplewise:
                kwargs["multidim_average"] = "samplewise"
            data = {"extra": (3,) if samplewise else (), "ignore": ignore, "logits": bool(logits)}
            cases.append((family, "binary", kwargs, data))
        for average, top_k, ignore, samplewise in itertools.product(
            ("micro", "macro", "weighted", "none"), (1, 2), (None, 0, -1), (False, True)
        ):
            if samplewise and top_k > 1:
                continue
            kwargs = {**extra, "num_classes": _C, "average": average, "top_k": top_k, "ignore_index": ignore}
            if samplewise:
                kwargs["multidim_average"] = "samplewise"
            data = {"extra": (3,) if samplewise else (), "ignore": ignore}
            cases.append((family, "multiclass", kwargs, data))
        cases.append((family, "multiclass", {**extra, "num_classes": _C, "average": "macro"}, {"labels": True}))
        for average, ignore, samplewise in itertools.product(
            ("micro", "macro", "weighted", "none"), (None, -1), (False, True)
        ):
            if samplewise and average == "weighted" and family == "StatScores":
                continue  # TorchMetrics weights each sample by the support of all samples (a bug; we do per sample)
            kwargs = {**extra, "num_labels": _L, "average": average, "ignore_index": ignore}
            if samplewise:
                kwargs["multidim_average"] = "samplewise"
            data = {"extra": (2,) if samplewise else (), "ignore": ignore, "logits": samplewise}
            cases.append((family, "multilabel", kwargs, data))
    for family in ("F1Score", "Precision", "Recall", "NegativePredictiveValue"):
        cases.append((family, "multiclass", {"num_classes": _C, "average": "none", "zero_division": 1}, {}))
        cases.append((family, "binary", {"zero_division": 1, "ignore_index": -1}, {"ignore": -1}))
    for normalize, ignore in itertools.product((None, "true", "pred", "all"), (None, 1)):
        cases.append(
            ("ConfusionMatrix", "binary", {"normalize": normalize, "ignore_index": ignore}, {"ignore": ignore})
        )
        kwargs = {"num_classes": _C, "normalize": normalize, "ignore_index": ignore}
        cases.append(("ConfusionMatrix", "multiclass", kwargs, {"ignore": ignore}))
        kwargs = {"num_labels": _L, "normalize": normalize, "ignore_index": ignore}
        cases.append(("ConfusionMatrix", "multilabel", kwargs, {"ignore": ignore, "extra": (2,)}))
    for average, ignore in itertools.product(("micro", "macro", "weighted", "none"), (None, 0, -1)):
        kwargs = {"num_classes": _C, "average": average, "ignore_index": ignore}
        cases.append(("JaccardIndex", "multiclass", kwargs, {"ignore": ignore}))
        if ignore != 0:  # TorchMetrics drops *label* 0 from multilabel averages for ignore_index=0 (a quirk)
            kwargs = {"num_labels": _L, "average": average, "ignore_index": ignore}
            cases.append(("JaccardIndex", "multilabel", kwargs, {"ignore": ignore}))
    cases.append(("JaccardIndex", "binary", {"ignore_index": -1, "threshold": 0.4}, {"ignore": -1}))
    for weights, ignore in itertools.product((None, "linear", "quadratic"), (None, 2)):
        cases.append(
            ("CohenKappa", "binary", {"weights": weights, "ignore_index": ignore and -1}, {"ignore": ignore and -1})
        )
        kwargs = {"num_classes": _C, "weights": weights, "ignore_index": ignore}
        cases.append(("CohenKappa", "multiclass", kwargs, {"ignore": ignore}))
    for ignore in (None, 0, -1):
        cases.append(("MatthewsCorrCoef", "binary", {"ignore_index": ignore}, {"ignore": ignore}))
        cases.append(
            ("MatthewsCorrCoef", "multiclass", {"num_classes": _C, "ignore_index": ignore}, {"ignore": ignore})
        )
        if ignore != 0:
            cases.append(
                ("MatthewsCorrCoef", "multilabel", {"num_labels": _L, "ignore_index": ignore}, {"ignore": ignore})
            )
    for samplewise, ignore in itertools.product((False, True), (None, -1)):
        kwargs = {"ignore_index": ignore, **({"multidim_average": "samplewise"} if samplewise else {})}
        data = {"ignore": ignore, "extra": (3,)}
        cases.append(("ExactMatch", "multiclass", {"num_classes": _C, **kwargs}, data))
        cases.append(("ExactMatch", "multilabel", {"num_labels": _L, **kwargs}, data))
    return cases


_CASES = _cases()


def _id(case):
    family, task, kwargs, _ = case
    return f"{task}-{family}-" + "-".join(f"{k}={v}" for k, v in kwargs.items())


def _close(actual, expected, what):
    actual, expected = torch.as_tensor(actual).double(), torch.as_tensor(expected).double()
    assert actual.shape == expected.shape, f"{what}: shape {tuple(actual.shape)} != {tuple(expected.shape)}"
    assert torch.allclose(actual, expected, atol=1e-5, equal_nan=True), f"{what}: {actual} != {expected}"


@pytest.mark.parametrize("case", _CASES, ids=_id)
def test_class_and_functional_match_torchmetrics(case):
    family, task, kwargs, data = case
    name = task.capitalize() + family
    seed = zlib.crc32(_id(case).encode()) % 10_000
    batches = _data(task, seed, **data)
    metric = getattr(cc, name)(**kwargs)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        oracle = getattr(tmc, name)(**kwargs)
        for i, (p, t) in enumerate(batches):
            _close(metric(p, t), oracle(p, t), f"forward {i}")
        expected = oracle.compute()
        fn_kwargs = {k: v for k, v in kwargs.items() if not (k == "zero_division" and family == "Specificity")}
        fn = f"{task}_{_SNAKE[family]}"
        for i, (p, t) in enumerate(batches):
            _close(getattr(cf, fn)(p, t, **fn_kwargs), getattr(tmf, fn)(p, t, **fn_kwargs), f"functional {i}")
    _close(metric.compute(), expected, "compute")


# Every (family, task) pair TorchMetrics has: there is no multilabel Cohen kappa and no binary exact match.
_FACADE_CASES = [
    (family, task)
    for family in sorted(_SNAKE)
    for task in ("binary", "multiclass", "multilabel")
    if (family, task) not in {("CohenKappa", "multilabel"), ("ExactMatch", "binary")}
]


@pytest.mark.parametrize(("family", "task"), _FACADE_CASES)
def test_task_facades_match_torchmetrics(family, task):
    kwargs = (
        {"task": task, "num_classes": _C}
        if family == "CohenKappa"
        else {"task": task, "num_classes": _C, "num_labels": _L}
    )
    if family == "FBetaScore":
        kwargs["beta"] = 0.5
    batches = _data(task, 3, extra=(2,) if family == "ExactMatch" else ())
    metric = getattr(cc, family)(**kwargs)
    assert isinstance(metric, getattr(cc, family))
    assert isinstance(metric, getattr(cc, task.capitalize() + family))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        oracle = getattr(tmc, family)(**kwargs)
        for p, t in batches:
            metric.update(p, t)
            oracle.update(p, t)
        expected = oracle.compute()
        p, t = batches[0]
        _close(getattr(cf, _SNAKE[family])(p, t, **kwargs), getattr(tmf, _SNAKE[family])(p, t, **kwargs), "functional")
    _close(metric.compute(), expected, "compute")
    # Same states as TorchMetrics' task metric: checkpoints load across both.
    metric.persistent(True)
    oracle.persistent(True)
    assert set(metric.state_dict()) == set(oracle.state_dict())
    fresh = getattr(cc, family)(**kwargs)
    fresh.load_state_dict(oracle.state_dict())
    _close(fresh.compute(), expected, "compute after loading a TorchMetrics state_dict")
