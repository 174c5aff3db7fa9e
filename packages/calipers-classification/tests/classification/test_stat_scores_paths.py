"""The stat-scores family's fast paths agree with its general ones and with scikit-learn.

* ``_scores`` computes small CPU results in Python floats and everything else with tensors: both, for every formula,
  ``average``, ``top_k`` rule, ``zero_division`` and the complement (Hamming).
* Few classes are counted by table lookup, gathered for small batches and through a confusion matrix for large ones:
  both against scikit-learn, with ``ignore_index``, and with out-of-range targets.
* ``forward`` takes the additive path unless a subclass overrides ``update``.
* Remembered argument checks still reject bad arguments every time.
"""

from __future__ import annotations

import importlib

import numpy as np
import pytest
import torch
from sklearn.metrics import multilabel_confusion_matrix

from calipers.classification import MulticlassAccuracy, MulticlassF1Score
from calipers.functional.classification import _reduce, multiclass_stat_scores
from calipers.functional.classification._inputs import remember_valid
from calipers.functional.classification.accuracy import _correct, _hits
from calipers.functional.classification.precision_recall import _precision, _recall
from calipers.functional.classification.specificity import _specificity

stat_scores_module = importlib.import_module("calipers.functional.classification.stat_scores")


def _fbeta_half(tp, fp, tn, fn):
    return 1.25 * tp, 1.25 * tp + 0.25 * fn + fp


FORMULAS = {"hits": _hits, "correct": _correct, "precision": _precision, "recall": _recall}
FORMULAS |= {"specificity": _specificity, "fbeta": _fbeta_half}


def _counts(classes: int, seed: int) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    stats = torch.randint(0, 6, (4, classes), generator=g)
    stats[:, 0] = 0  # a class that never occurs
    stats[0, 1] = stats[3, 1] = 0  # a class only ever predicted (tp + fn == 0 < fp)
    return stats


@pytest.mark.parametrize("formula", sorted(FORMULAS))
@pytest.mark.parametrize("average", ["micro", "macro", "weighted", "none", "binary"])
@pytest.mark.parametrize(("multilabel", "top_k"), [(False, 1), (False, 2), (True, 1)])
@pytest.mark.parametrize("zero_division", [0, 1])
@pytest.mark.parametrize("complement", [False, True])
def test_host_and_tensor_paths_agree(monkeypatch, formula, average, multilabel, top_k, zero_division, complement):
    counts = _counts(7, seed=len(formula) + top_k)
    if average == "binary":
        counts = counts[:, 2]  # (4,) counts
    args = (FORMULAS[formula], counts, average, multilabel, top_k, zero_division)
    host = _reduce._scores(*args, complement=complement)
    monkeypatch.setattr(_reduce, "_HOST_MAX", -1)
    tensor = _reduce._scores(*args, complement=complement)
    assert host.dtype == tensor.dtype == torch.float32 and host.shape == tensor.shape
    torch.testing.assert_close(host, tensor, atol=1e-6, rtol=1e-6)
    double = _reduce._scores(*args, dtype=torch.float64, complement=complement)
    assert double.dtype == torch.float64
    torch.testing.assert_close(double.float(), tensor, atol=1e-6, rtol=1e-6)


def test_host_path_all_zero_counts():
    zeros = torch.zeros(4, 3, dtype=torch.long)
    for average in ("micro", "macro", "weighted"):
        assert _reduce._scores(_hits, zeros, average).item() == 0.0
        assert _reduce._scores(_hits, zeros, average, zero_division=1).item() == (0.0 if average != "micro" else 1.0)


def _sklearn_stats(preds: np.ndarray, target: np.ndarray, classes: int) -> np.ndarray:
    mcm = multilabel_confusion_matrix(target, preds, labels=list(range(classes)))  # (C, 2, 2): [[tn, fp], [fn, tp]]
    return np.stack([mcm[:, 1, 1], mcm[:, 0, 1], mcm[:, 0, 0], mcm[:, 1, 0]])


@pytest.mark.parametrize(("classes", "gather"), [(5, True), (5, False), (40, False), (300, False)])
@pytest.mark.parametrize("ignore_index", [None, 2, -1])
@pytest.mark.parametrize("n", [1, 37, 3000])
def test_table_counting_paths_match_sklearn(monkeypatch, classes, gather, ignore_index, n):
    # 5 classes: table rows gathered, or the confusion matrix times the table; 40: the confusion matrix's diagonal
    # and sums; 300: the general path for a confusion matrix too large for the batch (with 3000 samples: the matrix).
    if not gather:
        monkeypatch.setattr(stat_scores_module, "_GATHER_MAX", 0)
    g = torch.Generator().manual_seed(n)
    logits, target = torch.randn(n, classes, 2, generator=g), torch.randint(0, classes, (n, 2), generator=g)
    if ignore_index is not None:
        target[::3] = ignore_index
    got = multiclass_stat_scores(logits, target, classes, average=None, ignore_index=ignore_index)
    keep = (target != ignore_index).numpy().ravel() if ignore_index is not None else np.ones(2 * n, bool)
    preds = logits.argmax(1).numpy().ravel()[keep]
    if not keep.any():  # every position ignored
        assert got.sum().item() == 0
        return
    expected = _sklearn_stats(preds, target.numpy().ravel()[keep], classes)
    np.testing.assert_array_equal(got[:, :4].T.numpy(), expected)


@pytest.mark.parametrize(("classes", "gather"), [(5, True), (5, False), (40, False)])
@pytest.mark.parametrize("bad", ["C", -1, "C+7"])
def test_table_counting_rejects_out_of_range_targets(monkeypatch, classes, gather, bad):
    if not gather:
        monkeypatch.setattr(stat_scores_module, "_GATHER_MAX", 0)
    metric = MulticlassAccuracy(classes)
    bad = {"C": classes, "C+7": classes + 7}.get(bad, bad)
    target = torch.tensor([0, 1, bad, 3])
    with pytest.raises(ValueError, match=rf"`target` values must be in \[0, {classes - 1}\]"):
        metric.update(torch.randn(4, classes), target)
    assert metric.update_count == 0 and metric.tp.sum().item() == 0


@pytest.mark.parametrize("preds_dtype", [torch.float32, torch.float64, torch.float16])
@pytest.mark.parametrize("target_dtype", [torch.int64, torch.int32, torch.uint8])
@pytest.mark.parametrize("n", [0, 1, 32, 300])
def test_few_class_direct_path_matches_sklearn(monkeypatch, preds_dtype, target_dtype, n):
    taken = []
    direct = stat_scores_module._few_class_counts
    monkeypatch.setattr(stat_scores_module, "_few_class_counts", lambda *a: taken.append(direct(*a)) or taken[-1])
    g = torch.Generator().manual_seed(n)
    logits = torch.randn(n, 6, generator=g).to(preds_dtype)
    target = torch.randint(0, 6, (n,), generator=g).to(target_dtype)
    if n:
        expected = _sklearn_stats(logits.float().argmax(1).numpy(), target.long().numpy(), 6)
    else:  # scikit-learn refuses empty inputs: every count is 0
        expected = np.zeros((4, 6), dtype=np.int64)
    got = multiclass_stat_scores(logits, target, 6, average=None)
    assert taken and taken[-1] is not None  # the functional took the direct path
    np.testing.assert_array_equal(got[:, :4].T.numpy(), expected)
    metric = MulticlassAccuracy(6, average=None)
    metric.update(logits.t().contiguous().t(), target)  # a non-contiguous layout counts the same
    np.testing.assert_array_equal(torch.stack([metric.tp, metric.fp, metric.tn, metric.fn]).numpy(), expected)


def test_few_class_direct_path_leaves_other_inputs_to_the_general_path():
    few = stat_scores_module._few_class_counts
    logits, target = torch.randn(8, 4), torch.randint(0, 4, (8,))
    assert few(logits, target, 4) is not None
    assert few(logits.argmax(1), target, 4) is None  # labels, not scores
    assert few(logits, target.float(), 4) is None  # float target: the general path raises
    assert few(logits, target[:7], 4) is None  # shape mismatch: the general path raises
    assert few(logits[:, :3], target, 4) is None
    assert few(logits.unsqueeze(-1), target.unsqueeze(-1), 4) is None  # (N, C, X)
    assert few(torch.randn(2000, 4), torch.randint(0, 4, (2000,)), 4) is None  # too many rows: bincount
    assert few(logits, torch.full((8,), 4), 4) is None  # out of range: the general path raises
    assert few(logits, torch.full((8,), -1), 4) is None
    assert few([[0.1]], target, 4) is None
    assert not stat_scores_module.few_classes(4, 1, "global", 0)  # ignore_index takes the general path
    assert not stat_scores_module.few_classes(4, 2, "global", None)
    assert not stat_scores_module.few_classes(4, 1, "samplewise", None)
    assert not stat_scores_module.few_classes(17, 1, "global", None)
    assert not stat_scores_module.few_classes(True, 1, "global", None)
    assert stat_scores_module.few_classes(16, 1, "global", None)


def test_forward_of_a_subclass_overriding_update_runs_its_update():
    class Shifted(MulticlassAccuracy):
        def update(self, preds, target):
            super().update(preds, (target + 1) % 3)

    preds, target = torch.tensor([1, 2, 0]), torch.tensor([0, 1, 2])
    assert Shifted(3)(preds, target).item() == 1.0
    assert MulticlassAccuracy(3)(preds, target).item() == 0.0


def test_forward_matches_a_fresh_metric_and_folds_the_batch():
    g = torch.Generator().manual_seed(0)
    metric = MulticlassF1Score(4, average="weighted")
    seen_p, seen_t = [], []
    for _ in range(5):
        p, t = torch.randn(9, 4, generator=g), torch.randint(0, 4, (9,), generator=g)
        fresh = MulticlassF1Score(4, average="weighted")
        fresh.update(p, t)
        torch.testing.assert_close(metric(p, t), fresh.compute())
        seen_p.append(p)
        seen_t.append(t)
    whole = MulticlassF1Score(4, average="weighted")
    whole.update(torch.cat(seen_p), torch.cat(seen_t))
    torch.testing.assert_close(metric.compute(), whole.compute())


def test_remembered_checks_still_reject_every_time():
    calls = []

    @remember_valid
    def check(name, value):
        calls.append(value)
        if not isinstance(value, int) or isinstance(value, bool):
            raise ValueError(f"{name}: bad {value!r}")

    check("m", 3)
    check("m", 3)
    assert calls == [3]  # remembered
    for _ in range(2):
        with pytest.raises(ValueError, match="bad True"):
            check("m", True)  # equal to 1 but not the same type: checked, and rejected each time
    with pytest.raises(ValueError, match=r"bad \[1\]"):
        check("m", [1])  # unhashable: checked every time
    check("m", value=4)
    check("m", value=4)
    assert calls == [3, True, True, [1], 4, 4]


@pytest.mark.parametrize("shape", [(30, 4), (5000, 7), (300, 40, 2)])
def test_argmax_classes_is_argmax_with_ties_and_nan(shape):
    from calipers.functional.classification._inputs import argmax_classes

    g = torch.Generator().manual_seed(1)
    preds = torch.randint(0, 3, shape, generator=g).float()  # many ties: the first maximum wins
    preds[::7, 1] = float("nan")  # NaN counts as the largest value, as in torch.argmax
    preds[::11] = float("-inf")
    assert torch.equal(argmax_classes(preds), preds.argmax(1))


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64, torch.float16])
@pytest.mark.parametrize("special", [None, "nan", "-nan", "inf", "-inf-row", "signed-zeros", "tiny"])
def test_argmax_classes_large_inputs(dtype, special):
    """Large 2-D scores take the value-only path; every special value must still give ``torch.argmax``'s index."""
    from calipers.functional.classification._inputs import argmax_classes

    g = torch.Generator().manual_seed(2)
    preds = torch.randint(-3, 4, (3000, 9), generator=g).to(dtype)  # many ties, zero maxima too
    preds[::5] = torch.randn(600, 9, generator=g).to(dtype)
    if special == "nan":
        preds[17, 4] = float("nan")
    elif special == "-nan":
        preds[17, 4] = -float("nan")
    elif special == "inf":
        preds[17, 2] = preds[17, 6] = float("inf")
    elif special == "-inf-row":
        preds[17] = float("-inf")
    elif special == "signed-zeros":  # -0.0 == +0.0: the first of them wins
        preds[17] = -1.0
        preds[17, 3], preds[17, 5] = -0.0, 0.0
        preds[18] = -1.0
        preds[18, 3], preds[18, 5] = 0.0, -0.0
    elif special == "tiny":  # the smallest subnormal step below the maximum still differs from it
        preds[17] = 1e-45 if dtype == torch.float32 else 0.0
        preds[17, 6] = 2e-45 if dtype == torch.float32 else 0.0
    assert torch.equal(argmax_classes(preds), preds.argmax(1))
    assert torch.equal(argmax_classes(preds.t().contiguous().t()), preds.argmax(1))  # a non-contiguous layout
