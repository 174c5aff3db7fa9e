"""The batched sync engine on 2 gloo ranks: values, collective counts, uneven and empty ranks, custom paths."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from calipers._sync import StateEntry, plan_sync
from calipers_testing import assert_close
from calipers_testing._sync_scenarios import rank_data, sync_scenario
from calipers_testing.pool import get_pool


def _expected(scenario):
    """Synced states computed with NumPy from both ranks' data."""
    per_rank = [rank_data(r, scenario) for r in range(2)]
    out = {}
    for i in range(3):
        out[f"s{i}"] = np.full(4, sum(float(x[:4].sum()) * (i + 1) for d in per_rank for x, _ in d))
    out["count"] = np.array(sum(x.numel() for d in per_rank for x, _ in d))
    firsts = [x[:2].numpy() for d in per_rank for x, _ in d]
    out["hi"] = np.max(firsts, axis=0) if firsts else np.full(2, -np.inf)
    out["lo"] = np.min(firsts, axis=0) if firsts else np.full(2, np.inf)
    avgs = [sum((x[:3].double().numpy() for x, _ in d), np.zeros(3)) for d in per_rank]
    counts = [len(d) for d in per_rank]  # "mean" states weigh each rank by its update count
    out["avg"] = np.average(avgs, axis=0, weights=counts) if sum(counts) else np.mean(avgs, axis=0)
    flats = [x.numpy() for d in per_rank for x, _ in d]
    out["flat"] = np.concatenate(flats) if flats else None
    rows = [r.numpy() for d in per_rank for _, r in d]
    out["rows"] = np.concatenate(rows) if rows else None
    out["custom"] = 2 * sum((x[:2].numpy() for d in per_rank for x, _ in d), np.zeros(2))
    return out


def _check(result, expected):
    synced = result["synced"]
    for name, value in expected.items():
        if value is None:
            assert synced[name] == [], name
        else:
            assert_close(synced[name], value, atol=1e-5, rtol=1e-5, what=name)
    assert synced["count"].dtype == torch.int64
    assert result["restored"], "unsync did not restore the local states exactly"


@pytest.mark.parametrize("scenario", ["uneven", "empty_rank", "zero_rows", "all_empty"])
def test_ten_states_sync_in_at_most_three_collectives(scenario):
    results = get_pool().run(sync_scenario, [(scenario,), (scenario,)])
    expected = _expected(scenario)
    for res in results:
        _check(res, expected)
        assert res["collectives"] <= 3, res["names"]
        assert "barrier" not in res["names"]
        assert res["compute_collectives"] <= 3


def test_a_user_dist_sync_fn_is_honoured():
    results = get_pool().run(sync_scenario, [("uneven", "fn"), ("uneven", "fn")])
    expected = _expected("uneven")
    for res in results:
        _check(res, expected)
        assert res["fn_calls"] == 11  # the descriptors, then one gather per state, through the user's function


def test_an_explicit_process_group_is_used():
    results = get_pool().run(sync_scenario, [("uneven", "group"), ("uneven", "group")])
    for res in results:
        _check(res, _expected("uneven"))


def _entry(key, value, reduction):
    return StateEntry(key, value, reduction, torch.device("cpu"), torch.float32)


def test_plan_packs_by_dtype_and_op_within_the_budget():
    entries = [_entry(f"f{i}", torch.zeros(3), "sum") for i in range(5)]
    entries += [
        _entry("n", torch.tensor(0), "sum"),
        _entry("m", torch.zeros(2), "max"),
        _entry("q", torch.zeros(2), "min"),
    ]
    plan = plan_sync(entries)
    assert plan.num_collectives == 3  # the slot, then (when the payload does not fit in it) these
    assert len(plan.reduce_groups) == 1  # the largest group; the rest travels in one gather
    assert plan.reduce_groups[0][2] == [0, 1, 2, 3, 4]
    entries.append(_entry("c", [], "cat"))
    plan = plan_sync(entries)
    assert plan.num_collectives == 3 and len(plan.reduce_groups) == 1
    only_sums = plan_sync([_entry("a", torch.zeros(2), "sum"), _entry("b", torch.tensor(0), "sum")])
    assert only_sums.num_collectives == 3 and not only_sums.static_gather


def test_gather_all_tensors_accepts_an_empty_rank_of_another_shape():
    from calipers_testing._sync_scenarios import gather_uneven

    assert get_pool().run(gather_uneven, [(), ()]) == [[(3, 2), (0, 2)]] * 2


def test_a_user_gather_with_an_empty_rank_and_2d_rows():
    from calipers_testing._sync_scenarios import cat_with_user_gather

    assert get_pool().run(cat_with_user_gather, [(), ()], timeout=60) == [[0, 1, 2, 3, 4, 5]] * 2


def test_the_compute_cache_never_makes_a_rank_skip_the_sync():
    from calipers_testing._sync_scenarios import cache_after_one_sided_update

    assert get_pool().run(cache_after_one_sided_update, [(), ()], timeout=60) == [7.0, 7.0]


def test_plan_packs_a_one_element_view_with_an_odd_stride():
    from calipers._sync import _from_bytes, _to_bytes

    view = torch.arange(4.0).reshape(1, 4).unbind(-1)[2]  # one element, stride 4
    column = torch.arange(8.0).reshape(2, 4)[:, 1]  # two elements, stride 4
    for t in (view, column):
        assert torch.equal(_from_bytes(_to_bytes(t), t.dtype, t.shape), t)
