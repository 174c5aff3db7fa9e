"""The sync engine agrees before it reduces (issue 17, part 1): one named regression test per failure class of the
2-rank sweep, each failing on the engine before the fix (truncation, hang, abort, wrong value or dtype)."""

from __future__ import annotations

import pytest
import torch

from calipers import Metric
from calipers._state import fold_states
from calipers._sync import SLOT_BYTES, StateEntry, collective, execute_sync, plan_sync
from calipers.exceptions import MetricStateError
from calipers_testing._sync_regressions import (
    Declared,
    compute_on_one_rank,
    empty_rank_user_gather,
    mean_overflow,
    mean_weights,
    mismatched_states,
    none_list_entries,
    one_rank_check_fails,
    result_dtype_by_plan,
)
from calipers_testing.pool import get_pool


def _both(fn, *args, timeout=60):
    return get_pool().run(fn, [args, args], timeout=timeout)


def _same_error(results, kind, *fragments):
    errors = [r.get("error") for r in results]
    assert all(e is not None for e in errors), results
    assert errors[0] == errors[1], f"the ranks raised different errors: {errors}"
    name, message = errors[0]
    assert name == kind, errors[0]
    for fragment in fragments:
        assert fragment in message, message
    return message


# 1. ---------------------------------------------------------------------------------------- states that disagree
@pytest.mark.parametrize(
    ("case", "what"),
    [
        ("sum", "shape"),
        ("max", "shape"),
        ("none", "shape"),
        ("sum_and_list", "shape"),
        ("dtype", "dtype"),
        ("big", "shape"),
        ("sum_fn", "dtype and shape"),
    ],
)
def test_states_of_another_shape_or_dtype_on_one_rank_raise_the_same_error_on_every_rank(case, what):
    message = _same_error(_both(mismatched_states, case), "ValueError", "Declared.sync", "`total`", what)
    assert "rank 0" in message and "rank 1" in message


def test_the_error_names_the_member_of_a_collection():
    from calipers_testing._sync_sweep import make_scenarios, run_batch

    faulty = [s for s in make_scenarios(120, seed=3) if s.fault == "shape" and s.kind == "collection"][:1]
    assert faulty, "the sweep's generator must draw a collection with a shape fault at this seed"
    results = get_pool().run(run_batch, [(faulty,), (faulty,)], timeout=60)
    _same_error([results[0][0], results[1][0]], "ValueError", "SweepMetric.sync", f"`{faulty[0].fault_state}`")


# 2. ---------------------------------------------------------------------------------------- forward keeps dtypes
def _custom_sum(stacked):
    return stacked.sum(0)


_custom_sum.__calipers_foldable__ = True


@pytest.mark.parametrize(
    ("dtype", "reduction"),
    [(torch.int64, "mean"), (torch.bool, "mean"), (torch.int32, _custom_sum), (torch.bool, _custom_sum)],
    ids=["int64-mean", "bool-mean", "int32-custom-sum", "bool-custom-sum"],
)
def test_forward_keeps_the_declared_dtype_of_a_state(dtype, reduction):
    metric = Declared({"s": (torch.zeros(2, dtype=dtype), reduction)})
    for v in ([1, 0], [1, 1], [0, 1]):
        metric(s=torch.tensor(v).to(dtype))  # a custom sum folds the batch in; a mean takes the running mean
        assert metric.s.dtype == dtype
    other = Declared({"s": (torch.zeros(2, dtype=dtype), reduction)})
    other.update(s=torch.ones(2, dtype=dtype))
    metric.merge_state(other)
    assert metric.s.dtype == dtype


def test_forward_mean_of_integers_is_the_rounded_weighted_mean():
    metric = Declared({"s": (torch.tensor(0), "mean")})
    for v in (1, 2, 4):  # running means 1, 1.5 -> 2 (half up), (2*2 + 4) / 3 = 2.67 -> 3
        metric(s=torch.tensor(v))
    assert metric.s.dtype == torch.int64 and int(metric.s) == 3


# 3. ---------------------------------------------------------------------------------------- one rank fails a check
@pytest.mark.parametrize(
    ("case", "fragment"),
    [("ndim9", "at most 8 dims, got 9 dims on rank 1"), ("float8", "got float8_e5m2 on rank 1")],
)
@pytest.mark.parametrize("mode", ["", "_fn"])
def test_a_check_that_fails_on_one_rank_raises_on_every_rank(case, fragment, mode):
    _same_error(_both(one_rank_check_fails, case + mode), "ValueError", "list state `rows` of Declared", fragment)


def test_uint16_rows_are_carried():
    results = _both(one_rank_check_fails, "uint16")
    for r in results:
        assert torch.equal(r["value"]["rows"], torch.tensor([0, 1, 2, 0, 1, 2, 3]).to(torch.uint16))


# 4. ---------------------------------------------------------------------------------------- "mean" in a wide dtype
@pytest.mark.parametrize("size", [1, SLOT_BYTES], ids=["inline", "all_reduce"])
@pytest.mark.parametrize("dtype", ["float16", "int32"])
def test_mean_does_not_overflow(dtype, size):
    want = 40000.0 if dtype == "float16" else 2**31 - 1
    for r in _both(mean_overflow, dtype, size):
        avg = r["value"]["avg"]
        assert avg.dtype == getattr(torch, dtype)
        assert torch.all(avg.double() == want), avg


# 5. ---------------------------------------------------------------------------------------- None lists per rank
@pytest.mark.parametrize("mode", ["engine", "fn"])
def test_none_lists_keep_one_entry_per_rank(mode):
    for r in _both(none_list_entries, mode):
        rows = r["value"]["rows"]
        assert isinstance(rows, list) and len(rows) == 2
        assert torch.equal(rows[0], torch.arange(6).reshape(3, 2))
        assert rows[1].shape == (0, 2) and rows[1].dtype == torch.int64


# 6. ---------------------------------------------------------------------------------------- merge_state == sync
def test_merge_state_and_sync_agree_on_mean():
    synced = [float(r["value"]["avg"]) for r in _both(mean_weights)]
    a, b = Declared({"avg": (torch.tensor(0.0), "mean")}), Declared({"avg": (torch.tensor(0.0), "mean")})
    for v in (1.0, 2.0, 3.0):
        a(avg=torch.tensor(v))
    b(avg=torch.tensor(4.0))
    a.merge_state(b)
    assert synced == [2.5, 2.5]  # (3 * 2 + 1 * 4) / 4: every update weighs the same
    assert float(a.avg) == 2.5


def test_a_rank_without_updates_does_not_weigh_in_a_mean():
    synced = [float(r["value"]["avg"]) for r in _both(mean_weights, ())]
    assert synced == [2.0, 2.0]  # rank 1's default 0.0 does not pull the mean down (it used to give 1.0)
    assert fold_states(torch.tensor(5.0), torch.tensor(1.0), "mean", (0.0, 0.0)).item() == 3.0  # nothing: plain


# 7. ---------------------------------------------------------------------------------------- one result dtype
@pytest.mark.parametrize("plan", ["inline", "all_reduce", "gather"])
def test_the_result_dtype_does_not_depend_on_the_plan(plan):
    for r in _both(result_dtype_by_plan, plan):
        assert r["value"].dtype == torch.int64, r
        assert int(r["value"]) == 4  # the mean of 3 and 4, rounded half up


# 8. ---------------------------------------------------------------------------------------- user gather, empty rank
@pytest.mark.parametrize("dtype", ["int64", "int32", "float64"])
def test_a_user_gather_gets_a_placeholder_of_the_others_dtype_and_trailing_shape(dtype):
    results = _both(empty_rank_user_gather, dtype)
    assert results[1]["sent"] == [(f"torch.{dtype}", (0, 2))]
    for r in results:
        assert torch.equal(r["value"]["rows"], torch.arange(6).reshape(3, 2).to(getattr(torch, dtype)))


# 9. ---------------------------------------------------------------------------------------- compute on one rank
def test_compute_on_one_rank_names_the_metric_when_the_collective_times_out():
    results = _both(compute_on_one_rank, 2.0)
    name, message = results[0]["error"]
    assert name == "MetricStateError", results[0]
    assert "Declared.sync" in message and "must call `compute` (or `sync`) together" in message


def test_a_failing_collective_is_wrapped(monkeypatch):
    import torch.distributed as dist

    def broken(*args, **kwargs):
        raise RuntimeError("[gloo] Timed out waiting 1800000ms for recv operation to complete")

    monkeypatch.setattr(dist, "all_gather", broken)
    with pytest.raises(MetricStateError, match=r"MeanMetric\.sync: a collective .*Timed out waiting.*together"):
        collective("all_gather", "MeanMetric", [], torch.zeros(1))


def test_execute_sync_wraps_the_error_of_its_first_collective(monkeypatch):
    import torch.distributed as dist

    monkeypatch.setattr(dist, "get_world_size", lambda group=None: 2)
    monkeypatch.setattr(dist, "get_rank", lambda group=None: 0)
    monkeypatch.setattr(dist, "all_gather", lambda *a, **k: (_ for _ in ()).throw(RuntimeError("Connection reset")))
    entries = [StateEntry("x", torch.zeros(2), "sum", torch.device("cpu"), torch.float32, "Total.x", 1)]
    with pytest.raises(MetricStateError, match=r"Total\.sync: .*\(Connection reset\)"):
        execute_sync(plan_sync(entries), None)


def test_state_entries_carry_labels_and_update_counts():
    class Total(Metric):
        full_state_update = False

        def __init__(self):
            super().__init__()
            self.add_state("x", torch.zeros(()), dist_reduce_fx="sum")

        def update(self, v):
            self.x = self.x + v

        def compute(self):
            return self.x

    metric = Total()
    metric.update(torch.tensor(1.0))
    (entry,) = metric._state_entries()
    assert (entry.label, entry.updates) == ("Total.x", 1)


def test_a_metric_without_states_issues_no_collective():
    assert execute_sync(plan_sync([]), None) == {}  # no process group here: any collective would raise
