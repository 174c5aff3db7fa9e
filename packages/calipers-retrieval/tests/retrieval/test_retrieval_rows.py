"""What every retrieval metric shares: argument checks, the stored rows, empty queries, the tie rule, the two sort
paths, and one stored copy and one sort for a collection."""

from __future__ import annotations

import pytest
import torch

import calipers.functional.retrieval as F
import calipers.retrieval as R
from calipers import MetricCollection
from calipers.functional.retrieval import _ranking

_CLASSES = [getattr(R, name) for name in R.__all__]
_TOP_K = ["RetrievalMAP", "RetrievalMRR", "RetrievalPrecision", "RetrievalRecall", "RetrievalHitRate",
          "RetrievalFallOut", "RetrievalNormalizedDCG", "RetrievalAUROC"]  # fmt: skip


def _data(n=200, queries=17, seed=0, ties=True):
    g = torch.Generator().manual_seed(seed)
    preds = torch.randint(0, 5, (n,), generator=g) / 5.0 - 0.5 if ties else torch.randn(n, generator=g)
    return preds, torch.randint(0, 2, (n,), generator=g), torch.randint(0, queries, (n,), generator=g) * 3


def _value(metric, *rows):
    metric.update(*rows)
    out = metric.compute()
    return torch.stack([torch.as_tensor(x, dtype=torch.float64) for x in out]) if isinstance(out, tuple) else out


@pytest.mark.parametrize("name", _TOP_K)
@pytest.mark.parametrize(
    ("value", "error", "match"),
    [(0, ValueError, "got 0"), (-2, ValueError, "got -2"), (1.5, TypeError, "got 1.5"),
     (True, TypeError, "got True")],
)  # fmt: skip
def test_top_k_must_be_a_positive_int(name, value, error, match):
    with pytest.raises(error, match=f"{name}: `top_k` must be None or an int >= 1, {match}"):
        getattr(R, name)(top_k=value)


@pytest.mark.parametrize("cls", _CLASSES, ids=lambda c: c.__name__)
def test_shared_arguments_are_checked(cls):
    name = cls.__name__
    with pytest.raises(ValueError, match=f"{name}: `empty_target_action` must be one of .'error', 'neg', 'pos', "):
        cls(empty_target_action="ignore")
    with pytest.raises(TypeError, match=f"{name}: `ignore_index` must be None or an int, got 'a'"):
        cls(ignore_index="a")
    if name != "RetrievalRecallAtFixedPrecision":  # no `aggregation` there (as TorchMetrics)
        with pytest.raises(ValueError, match=f"{name}: `aggregation` must be one of .'max', 'mean', 'median', 'min'"):
            cls(aggregation="sum")
        with pytest.raises(TypeError, match=f"{name}: `aggregation` must be one of .* or a callable, got 3"):
            cls(aggregation=3)


def test_other_arguments_are_checked():
    with pytest.raises(TypeError, match="RetrievalPrecision: `adaptive_k` must be a bool, got 1"):
        R.RetrievalPrecision(adaptive_k=1)
    with pytest.raises(ValueError, match=r"RetrievalAUROC: `max_fpr` must be None or a float in \(0.0, 1.0\], got 0"):
        R.RetrievalAUROC(max_fpr=0)
    with pytest.raises(ValueError, match=r"RetrievalAUROC: `max_fpr` must be None or a float in .*, got 1.5"):
        R.RetrievalAUROC(max_fpr=1.5)
    with pytest.raises(ValueError, match="RetrievalPrecisionRecallCurve: `max_k` must be None or an int >= 1, got 0"):
        R.RetrievalPrecisionRecallCurve(max_k=0)
    with pytest.raises(ValueError, match=r"`min_precision` must be a float in \[0.0, 1.0\], got 2"):
        R.RetrievalRecallAtFixedPrecision(min_precision=2)
    p, t = torch.rand(3), torch.tensor([1, 0, 1])
    with pytest.raises(ValueError, match="retrieval_average_precision: `top_k` must be None or an int >= 1, got 0"):
        F.retrieval_average_precision(p, t, top_k=0)
    with pytest.raises(ValueError, match="retrieval_reciprocal_rank: `top_k` must be None or an int >= 1, got -1"):
        F.retrieval_reciprocal_rank(p, t, top_k=-1)
    with pytest.raises(ValueError, match="retrieval_precision_recall_curve: `max_k` must be None or an int >= 1"):
        F.retrieval_precision_recall_curve(p, t, max_k=0)
    with pytest.raises(ValueError, match=r"retrieval_normalized_dcg: `target` values must be >= 0, got -1"):
        F.retrieval_normalized_dcg(p, torch.tensor([1, -1, 0]))
    with pytest.raises(ValueError, match=r"retrieval_precision: `target` values must be in \[0, 1\], got 2"):
        F.retrieval_precision(p, torch.tensor([1, 2, 0]))


def test_empty_target_action_error_names_the_query():
    preds, idx = torch.rand(5), torch.tensor([4, 4, 9, 9, 9])
    metric = R.RetrievalMAP(empty_target_action="error")
    metric.update(preds, torch.tensor([1, 0, 0, 0, 0]), idx)
    with pytest.raises(ValueError, match="RetrievalMAP: `target` must hold a relevant document in every query when "
                       "`empty_target_action` is 'error', got none in query 9"):  # fmt: skip
        metric.compute()
    fall_out = R.RetrievalFallOut(empty_target_action="error")
    fall_out.update(preds, torch.tensor([1, 1, 0, 1, 0]), idx)
    with pytest.raises(ValueError, match=r"must hold a non-relevant document in every query .* got none in query 4"):
        fall_out.compute()


@pytest.mark.parametrize("cls", _CLASSES, ids=lambda c: c.__name__)
def test_empty_batches_are_no_ops_and_no_rows_give_zero(cls):
    metric = cls(ignore_index=-1)
    empty = torch.zeros(0)
    metric.update(empty, empty.long(), empty.long())
    metric.update(torch.rand(3), torch.full((3,), -1), torch.zeros(3, dtype=torch.long))  # every row ignored
    assert metric.preds == [] and metric.update_count == 2
    out = metric.compute()
    assert all(float(x.sum()) == 0.0 for x in (out if isinstance(out, tuple) else (out,)) if x.is_floating_point())


@pytest.mark.parametrize("cls", _CLASSES, ids=lambda c: c.__name__)
def test_results_depend_only_on_scores_not_on_row_order(cls):
    """Heavily tied scores, rows permuted: the value does not move (TorchMetrics' unstable sort makes it move)."""
    preds, target, idx = _data()
    expected = _value(cls(), preds, target, idx)
    for seed in range(3):
        perm = torch.randperm(len(preds), generator=torch.Generator().manual_seed(seed))
        torch.testing.assert_close(_value(cls(), preds[perm], target[perm], idx[perm]), expected)


def test_torchmetrics_tie_example_from_the_issue():
    """Four tied documents, the relevant one last: TorchMetrics gives 0.5 or 0.333 depending on row order."""
    preds, idx = torch.full((4,), 0.3), torch.zeros(4, dtype=torch.long)
    for target in (torch.tensor([0, 0, 0, 1]), torch.tensor([1, 0, 0, 0])):
        assert float(R.RetrievalMRR()(preds, target, idx)) == 0.25


def test_scores_keep_their_dtype_targets_are_compact_indexes_int64():
    metric = R.RetrievalMAP()
    metric.update(torch.rand(4, dtype=torch.float64), torch.tensor([1, 0, 1, 0]), torch.tensor([0, 0, 1, 1]).int())
    assert (metric.preds[0].dtype, metric.target[0].dtype, metric.indexes[0].dtype) == (
        torch.float64, torch.bool, torch.int64,
    )  # fmt: skip
    ndcg = R.RetrievalNormalizedDCG()
    ndcg.update(torch.rand(2, dtype=torch.float16), torch.tensor([0.5, 2.0]), torch.tensor([0, 0]))
    assert ndcg.target[0].dtype == torch.float32 and ndcg.compute().dtype == torch.float32


def test_infinite_scores_rank_first_and_last():
    preds = torch.tensor([float("-inf"), 0.0, float("inf")])
    idx = torch.zeros(3, dtype=torch.long)
    assert float(R.RetrievalMRR()(preds, torch.tensor([0, 0, 1]), idx)) == 1.0
    assert float(R.RetrievalMRR()(preds, torch.tensor([1, 0, 0]), idx)) == pytest.approx(1 / 3)


@pytest.mark.parametrize("cls", _CLASSES, ids=lambda c: c.__name__)
def test_fast_and_general_sort_paths_agree(cls):
    """The packed one-key sort (float32 scores, small ids) against the three stable sorts (float64 scores or ids
    past 2**30), on the same values."""
    preds, target, idx = _data(seed=3)
    huge = idx + (1 << 40)
    assert _ranking.one_key(idx, 32, 1) and not _ranking.one_key(huge, 32, 1)
    assert not _ranking.one_key(idx, _ranking.descending_keys(preds.double())[1], 1)
    fast = _value(cls(), preds, target, idx).double()
    torch.testing.assert_close(_value(cls(), preds, target, huge).double(), fast)
    torch.testing.assert_close(_value(cls(), preds.double(), target, idx).double(), fast)


def test_ideal_order_paths_agree():
    """nDCG's ideal DCG: counted (few integer levels), or sorted (float gains; packed float32 keys, or two stable
    sorts for float64; wide integer levels), one value."""
    from calipers.functional.retrieval._values import few_levels

    preds, _, idx = _data(seed=4)
    gains = torch.randint(0, 4, preds.shape, generator=torch.Generator().manual_seed(5))
    wide = gains * 1_000_003  # many levels: sorted, integer keys
    expected = _value(R.RetrievalNormalizedDCG(top_k=3), preds, gains, idx)
    for g, counted in ((gains, True), (gains.float(), False), (gains.double(), False), (wide, False)):
        metric = R.RetrievalNormalizedDCG(top_k=3)
        metric.update(preds, g, idx)
        assert (few_levels(metric._ranking()) is not None) == counted
        torch.testing.assert_close(metric.compute(), expected)
    assert _ranking.descending_keys(gains.float())[1] == 32 and _ranking.descending_keys(gains.double())[1] == 64


def _five():
    return {
        "map": R.RetrievalMAP(), "mrr": R.RetrievalMRR(), "ndcg": R.RetrievalNormalizedDCG(top_k=10),
        "p10": R.RetrievalPrecision(top_k=10), "r10": R.RetrievalRecall(top_k=10),
    }  # fmt: skip


def test_collection_stores_rows_once_and_sorts_once(monkeypatch):
    collection = MetricCollection(_five())
    assert len(collection.compute_groups) == 1
    batches = [_data(seed=s, ties=False) for s in range(3)]
    for rows in batches:
        collection.update(*rows)
    members = [collection.__getitem__(n, copy_state=False) for n in _five()]
    assert all(m.preds is members[0].preds and m.target is members[0].target for m in members)
    calls = []
    original = _ranking.rank
    monkeypatch.setattr(_ranking, "rank", lambda *a: calls.append(1) or original(*a))
    values = collection.compute()
    assert len(calls) == 1
    for name, metric in _five().items():
        for rows in batches:
            metric.update(*rows)
        torch.testing.assert_close(values[name], metric.compute())


def test_an_ndcg_leader_of_binary_members_refuses_graded_targets_at_update():
    collection = MetricCollection({"a_ndcg": R.RetrievalNormalizedDCG(), "b_map": R.RetrievalMAP()})
    assert len(collection.compute_groups) == 1
    preds, index = torch.rand(4), torch.zeros(4, dtype=torch.long)
    shared = r"RetrievalMAP \(sharing the rows of RetrievalNormalizedDCG\): "
    with pytest.raises(ValueError, match=shared + r"`target` values must be in \[0, 1\], got 3"):
        collection.update(preds, torch.tensor([0, 3, 1, 0]), index)
    ndcg = collection.__getitem__("a_ndcg", copy_state=False)
    assert ndcg.update_count == 0 and ndcg.preds == []
    binary = torch.tensor([0, 1, 1, 0])
    collection.update(preds, binary, index)
    values = collection.compute()
    for name, metric in (("a_ndcg", R.RetrievalNormalizedDCG()), ("b_map", R.RetrievalMAP())):
        metric.update(preds, binary, index)
        torch.testing.assert_close(values[name], metric.compute())
    # graded members alone (or nDCG outside any group) keep graded relevance
    graded = MetricCollection({"a": R.RetrievalNormalizedDCG(), "b": R.RetrievalNormalizedDCG(top_k=2)})
    graded.update(preds, torch.tensor([0, 3, 1, 0]), index)
    alone = R.RetrievalNormalizedDCG()
    alone.update(preds, torch.tensor([0, 3, 1, 0]), index)
    torch.testing.assert_close(graded.compute()["a"], alone.compute())
    # without compute groups every member checks its own batch: nDCG takes the graded targets, MAP refuses them
    apart = MetricCollection({"a_ndcg": R.RetrievalNormalizedDCG(), "b_map": R.RetrievalMAP()}, compute_groups=False)
    with pytest.raises(ValueError, match=r"^RetrievalMAP: `target` values must be in \[0, 1\], got 3"):
        apart.update(preds, torch.tensor([0, 3, 1, 0]), index)
    assert collection.__getitem__("b_map", copy_state=False)._binary_follower is None


def test_reset_drops_the_kept_ranking():
    metric = R.RetrievalMAP()
    metric.update(*_data())
    metric.compute()
    assert _ranking._last and _ranking._last[1][0] is metric.preds
    metric.reset()
    assert not _ranking._last


def _params(fn):
    import inspect

    return [(p.name, p.kind, p.default) for p in inspect.signature(fn).parameters.values()]


def test_signatures_and_names_match_torchmetrics():
    import importlib.util

    import torchmetrics
    import torchmetrics.functional
    import torchmetrics.functional.retrieval as tmf
    import torchmetrics.retrieval as tm

    for name in R.__all__:
        assert _params(getattr(R, name).__init__) == _params(getattr(tm, name).__init__), name
        assert _params(getattr(R, name).update) == _params(getattr(tm, name).update), name
    for name in F.__all__:
        assert _params(getattr(F, name)) == _params(getattr(tmf, name)), name
    assert R.__all__ == sorted(R.__all__) and F.__all__ == sorted(F.__all__)
    spec = importlib.util.find_spec("calipers._domains.retrieval")
    assert spec is not None and spec.origin is not None
    import pathlib

    names: dict = {}
    exec(pathlib.Path(spec.origin).read_text(encoding="utf-8"), names)  # base reads the module without importing it
    assert set(names["MODULE_NAMES"]) == {n for n in torchmetrics.__all__ if n.startswith("Retrieval")}
    assert set(names["FUNCTIONAL_NAMES"]) == {n for n in torchmetrics.functional.__all__ if n.startswith("retrieval")}


def test_inputs_on_another_device_are_refused_before_any_state_changes():
    metric = R.RetrievalMAP()
    preds = torch.rand(3, device="meta")
    with pytest.raises(ValueError, match="RetrievalMAP: `preds` must be on the metric's device cpu"):
        metric.update(preds, torch.ones(3, dtype=torch.bool), torch.zeros(3, dtype=torch.long))
    assert metric.preds == []
