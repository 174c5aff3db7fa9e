"""The stat-scores family's fast paths agree with its general ones and with scikit-learn.

* ``_scores`` computes small CPU results in Python floats and everything else with tensors: both, for every formula,
  ``average``, ``top_k`` rule, ``zero_division`` and the complement (Hamming).
* Multiclass counts take one of two paths, chosen at construction (``_path``): the table lookup of small CPU batches
  over few classes, or the general bincount. Each is forced and compared with scikit-learn, with ``ignore_index``
  (general only) and with out-of-range targets.
* Large CPU scores take the integer-key argmax where its precondition (``2**23`` classes for float32) holds.
* ``forward`` takes the additive path unless a subclass overrides ``update``.
* Remembered argument checks still reject bad arguments every time.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
from sklearn.metrics import multilabel_confusion_matrix

from calipers.classification import BinaryAccuracy, MulticlassAccuracy, MulticlassF1Score, MulticlassStatScores
from calipers.functional.classification import _reduce, _stat_scores, multiclass_stat_scores
from calipers.functional.classification._inputs import remember_valid
from calipers.functional.classification.accuracy import _correct, _hits
from calipers.functional.classification.precision_recall import _precision, _recall
from calipers.functional.classification.specificity import _specificity


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


def _forced_counts(logits, target, classes, ignore_index, path):
    counts = _stat_scores._multiclass_counts(
        "multiclass_stat_scores", logits, target, classes, 1, None, "global", ignore_index, True, path=path
    )
    return _stat_scores._stat_scores_compute(counts, average=None)


# The table path is chosen only without ignore_index, so it is parametrized only there.
_PATH_CASES = [
    (classes, path, ignore_index)
    for classes, path in [(5, "table"), (5, "general"), (40, "general"), (300, "general")]
    for ignore_index in [None, 2, -1]
    if not (path == "table" and ignore_index is not None)
]


@pytest.mark.parametrize(("classes", "path", "ignore_index"), _PATH_CASES)
@pytest.mark.parametrize("n", [1, 37, 3000])
def test_counting_paths_match_sklearn(classes, path, ignore_index, n):
    # 5 classes: the table path (taken for batches of at most TABLE_MAX_ENTRIES gathered entries, so n=3000 counts
    # with the general bincount), or the general path forced; 40 and 300 classes: the general path.
    g = torch.Generator().manual_seed(n)
    logits, target = torch.randn(n, classes, 2, generator=g), torch.randint(0, classes, (n, 2), generator=g)
    if ignore_index is not None:
        target[::3] = ignore_index
    got = _forced_counts(logits, target, classes, ignore_index, path)
    if path == _stat_scores.multiclass_path(classes, 1, "global", ignore_index):  # the functional chooses the same path
        torch.testing.assert_close(
            got, multiclass_stat_scores(logits, target, classes, average=None, ignore_index=ignore_index)
        )
    keep = (target != ignore_index).numpy().ravel() if ignore_index is not None else np.ones(2 * n, bool)
    preds = logits.argmax(1).numpy().ravel()[keep]
    if not keep.any():  # every position ignored
        assert got.sum().item() == 0
        return
    expected = _sklearn_stats(preds, target.numpy().ravel()[keep], classes)
    np.testing.assert_array_equal(got[:, :4].T.numpy(), expected)


@pytest.mark.parametrize(("classes", "path"), [(5, "table"), (5, "general"), (40, "general")])
@pytest.mark.parametrize("bad", ["C", -1, "C+7"])
def test_counting_paths_reject_out_of_range_targets(classes, path, bad):
    metric = MulticlassAccuracy(classes)
    assert metric._path == ("table" if classes <= _stat_scores.TABLE_MAX_CLASSES else "general")
    metric._path = path
    bad = {"C": classes, "C+7": classes + 7}.get(bad, bad)
    target = torch.tensor([0, 1, bad, 3])
    with pytest.raises(ValueError, match=rf"`target` values must be in \[0, {classes - 1}\]"):
        metric.update(torch.randn(4, classes), target)
    assert metric.update_count == 0 and metric.tp.sum().item() == 0


@pytest.mark.parametrize("preds_dtype", [torch.float32, torch.float64, torch.float16])
@pytest.mark.parametrize("target_dtype", [torch.int64, torch.int32, torch.uint8, torch.float32])
@pytest.mark.parametrize("n", [0, 1, 32, 300])
def test_table_path_matches_sklearn_and_the_general_path(preds_dtype, target_dtype, n):
    g = torch.Generator().manual_seed(n)
    logits = torch.randn(n, 6, generator=g).to(preds_dtype)
    target = torch.randint(0, 6, (n,), generator=g).to(target_dtype)
    if n:
        expected = _sklearn_stats(logits.float().argmax(1).numpy(), target.long().numpy(), 6)
    else:  # scikit-learn refuses empty inputs: every count is 0
        expected = np.zeros((4, 6), dtype=np.int64)
    got = multiclass_stat_scores(logits, target, 6, average=None)
    np.testing.assert_array_equal(got[:, :4].T.numpy(), expected)
    for path in ("table", "general"):
        metric = MulticlassAccuracy(6, average=None)
        assert metric._path == "table"
        metric._path = path
        metric.update(logits.t().contiguous().t(), target)  # a non-contiguous layout counts the same
        np.testing.assert_array_equal(torch.stack([metric.tp, metric.fp, metric.tn, metric.fn]).numpy(), expected)


def test_table_path_takes_every_valid_input_and_rejects_bad_ones():
    g = torch.Generator().manual_seed(3)
    logits, target = torch.randn(8, 4, generator=g), torch.randint(0, 4, (8,), generator=g)
    inputs = {
        "scores": (logits, target),
        "labels": (logits.argmax(1), target),
        "float target": (logits, target.float()),
        "extra dim": (logits.reshape(4, 4, 2).transpose(1, 2).reshape(4, 4, 2), target.reshape(4, 2)),
        "top_k=2": (logits, target),
    }
    for name, (p, t) in inputs.items():
        k = 2 if name == "top_k=2" else 1
        table, general = MulticlassStatScores(4, average=None, top_k=k), MulticlassStatScores(4, average=None, top_k=k)
        assert table._path == ("table" if k == 1 else "general")
        table._path, general._path = "table", "general"  # forced: a top-k batch still takes the general path
        torch.testing.assert_close(table(p, t), general(p, t), msg=name)
    metric = MulticlassStatScores(4)
    with pytest.raises(ValueError, match="must have shape"):
        metric.update(logits, target[:7])
    with pytest.raises(ValueError, match=r"`target` values must be in \[0, 3\], got -1"):
        metric.update(logits, torch.full((8,), -1))
    assert _stat_scores.multiclass_path(4, 1, "global", 0) == "general"  # ignore_index takes the general path
    assert _stat_scores.multiclass_path(4, 1, "samplewise", None) == "general"
    assert _stat_scores.multiclass_path(_stat_scores.TABLE_MAX_CLASSES + 1, 1, "global", None) == "general"
    assert _stat_scores.multiclass_path(True, 1, "global", None) == "general"
    assert _stat_scores.multiclass_path(_stat_scores.TABLE_MAX_CLASSES, 1, "global", None) == "table"
    assert _stat_scores.multiclass_path(4, 2, "global", None) == "general"  # top-k counts on the general path
    assert MulticlassStatScores(4, ignore_index=1)._path == BinaryAccuracy()._path == "general"


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


@pytest.mark.parametrize("classes", [32, 100])
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_key_argmax_path_is_argmax(classes, dtype):
    from calipers.functional.classification._inputs import argmax_classes, key_argmax_applies

    g = torch.Generator().manual_seed(classes)
    preds = torch.randint(-3, 4, (400, classes), generator=g).to(dtype)  # ties: the first maximum wins
    preds[::3] = torch.randn(134, classes, generator=g).to(dtype)
    assert key_argmax_applies(preds)
    assert not key_argmax_applies(preds[:, :31]) and not key_argmax_applies(preds[:10])  # too few classes / scores
    assert not key_argmax_applies(preds.requires_grad_(True)) and not key_argmax_applies(preds.half())
    preds = preds.detach()
    assert torch.equal(argmax_classes(preds), preds.argmax(1))


def test_key_argmax_precondition_more_classes_than_float32_keys():
    """Past 2**23 float32 classes the keys of -inf scores would outrank the maximum: argmax answers instead."""
    from calipers.functional.classification._inputs import argmax_classes, key_argmax_applies

    classes = (1 << 23) + 10
    preds = torch.full((1, classes), float("-inf"))
    preds[0, -1] = 1.0
    assert not key_argmax_applies(preds)
    assert argmax_classes(preds).tolist() == [classes - 1]


def test_table_scores_batches_are_checked_like_every_other_batch():
    # The common table batch ((N, C) scores, (N,) integer labels, CPU: `table_scores`) is counted by one function;
    # its checks and counts must be those of the other batches.
    g = torch.Generator().manual_seed(11)
    logits, target = torch.randn(16, 5, generator=g), torch.randint(0, 5, (16,), generator=g)
    assert _stat_scores.table_scores(logits, target, 5, 1) and not _stat_scores.table_scores(logits, target, 5, 2)
    for p, t in [
        (logits[:0], target[:0]),  # empty: a no-op update elsewhere
        (logits, target.float()),
        (logits, target.bool()),
        (logits.argmax(1), target),
        (logits.half().argmax(1).float()[:, None].expand(16, 5), target[:15]),
        (logits[:, :4], target),
        (
            torch.randn(_stat_scores.TABLE_MAX_ENTRIES // 20 + 1, 5),
            torch.zeros(_stat_scores.TABLE_MAX_ENTRIES // 20 + 1),
        ),
    ]:
        assert not _stat_scores.table_scores(p, t, 5, 1)
    logits[0, :2] = torch.tensor([float("inf"), float("-inf")])  # a NaN sum without a NaN score: counted
    logits[1, 3] = float("inf")
    metric, general = MulticlassStatScores(5, average=None), MulticlassStatScores(5, average=None)
    general._path = "general"
    metric.update(logits, target)
    general.update(logits, target)
    expected = _sklearn_stats(logits.argmax(1).numpy(), target.numpy(), 5)
    np.testing.assert_array_equal(torch.stack([metric.tp, metric.fp, metric.tn, metric.fn]).numpy(), expected)
    assert torch.equal(metric.tp, general.tp) and torch.equal(metric.fn, general.fn)
    logits[2, 1] = float("nan")
    with pytest.raises(ValueError, match=r"MulticlassStatScores: `preds` must hold only non-NaN values, got 1 NaN"):
        metric.update(logits, target)
    bad = target.clone()
    bad[4] = 5
    with pytest.raises(ValueError, match=r"MulticlassStatScores: `target` values must be in \[0, 4\], got 5"):
        metric.update(torch.randn(16, 5), bad)
    assert metric.update_count == 1 and torch.equal(metric.tp, general.tp)
