from __future__ import annotations

import numpy as np
import pytest
import torch

from calipers_testing import BadInput, HarnessFailure, MetricSpec, run_metric_tests
from calipers_testing._defects import (
    DEFECTS,
    BatchMeanSum,
    CorrectSum,
    DifferentiableSum,
    EmptyBatchCountsSum,
    FirstValueSum,
    NanRaisingSum,
    RankCountWeightedSum,
    correct_sum,
    lenient_sum,
    off_by_one_sum,
)
from calipers_testing.checks import ALL_CHECKS, uneven_ranks
from calipers_testing.registry import (
    check_batch_split_invariance,
    check_empty_update,
    check_nan_policy,
    check_order_invariance,
)

_gen = torch.Generator().manual_seed(3)
_BATCHES = [(torch.randn(n, generator=_gen),) for n in (5, 2, 7, 1, 4)]
_BAD = [BadInput(("x",), TypeError, "`x` must be a tensor")]


def _spec(cls, batches=_BATCHES, **kwargs):
    return MetricSpec(
        cls, lambda x: np.sum(x), batches, bad_inputs=_BAD, dtypes=(torch.float64,), id=cls.__name__, **kwargs
    )


def test_the_control_passes():
    run_metric_tests(_spec(CorrectSum, functional=correct_sum))
    run_metric_tests(_spec(DifferentiableSum, functional=correct_sum))


def test_every_check_has_a_planted_defect():
    assert set(DEFECTS) | {"functional"} == set(ALL_CHECKS)


@pytest.mark.parametrize(
    ("cls", "check"),
    [(cls, check) for check, defects in DEFECTS.items() for cls in defects],
    ids=lambda x: x if isinstance(x, str) else x.__name__,
)
def test_the_harness_reports_each_planted_defect(cls, check):
    with pytest.raises(HarnessFailure):
        run_metric_tests(_spec(cls))
    with pytest.raises(HarnessFailure) as info:
        run_metric_tests(_spec(cls), checks=[check])
    assert info.value.check == check, str(info.value)
    control = DifferentiableSum if check == "differentiable" else CorrectSum
    run_metric_tests(_spec(control), checks=[check])  # the same check passes on the control


@pytest.mark.parametrize(("functional", "detail"), [(off_by_one_sum, "batch 0"), (lenient_sum, "bad input 0 accepted")])
def test_a_wrong_functional_twin_is_reported(functional, detail):
    """A wrong value, or a bad input that the functional accepts while ``update`` rejects it."""
    with pytest.raises(HarnessFailure, match=detail) as info:
        run_metric_tests(_spec(CorrectSum, functional=functional), checks=["functional"])
    assert info.value.check == "functional"


def test_uneven_ranks_hold_different_batch_counts_for_every_count():
    for n in (2, 3, 4, 5, 6):
        counts = [len(r) for r in uneven_ranks(_spec(CorrectSum, batches=_BATCHES[:n] if n <= 5 else _BATCHES * 2))]
        assert counts[0] != counts[1] and min(counts) > 0, (n, counts)
    split = uneven_ranks(_spec(CorrectSum, batches=_BATCHES[:2]))  # 2 batches: rank 1's is split in two
    assert torch.equal(torch.cat([b[0] for b in split[1]]), _BATCHES[1][0])


def test_a_sync_right_only_for_equal_batch_counts_is_caught_by_the_uneven_scenario():
    """With 4 batches the ranks used to get 2 each, where this defect is right."""
    with pytest.raises(HarnessFailure, match="uneven/update") as info:
        run_metric_tests(_spec(RankCountWeightedSum, batches=_BATCHES[:4]), checks=["ddp"])
    assert info.value.check == "ddp"


def test_forward_batch_values_are_compared_under_ddp():
    from calipers_testing._defects import ForwardAccumulatesUnderDDPSum

    run_metric_tests(_spec(ForwardAccumulatesUnderDDPSum), checks=["forward"])  # right without DDP
    with pytest.raises(HarnessFailure, match="forward: rank 0 batch 1 value"):
        run_metric_tests(_spec(ForwardAccumulatesUnderDDPSum), checks=["ddp"])


@pytest.mark.parametrize(
    ("prop", "cls", "kwargs"),
    [
        (check_empty_update, EmptyBatchCountsSum, {}),
        (check_nan_policy, CorrectSum, {"nan_policy": "raise"}),  # NaN propagates where the policy says raise
        (check_nan_policy, NanRaisingSum, {"nan_policy": "propagate"}),
        (check_nan_policy, NanRaisingSum, {"nan_policy": "finite"}),
        (check_order_invariance, FirstValueSum, {}),
        (check_batch_split_invariance, BatchMeanSum, {}),
    ],
    ids=lambda x: getattr(x, "__name__", str(x)),
)
def test_the_registry_properties_report_their_planted_defects(prop, cls, kwargs):
    check = prop.__name__.removeprefix("check_")
    with pytest.raises(HarnessFailure) as info:
        prop(_spec(cls, **kwargs))
    assert info.value.check == check, str(info.value)


@pytest.mark.parametrize(
    ("prop", "cls", "kwargs"),
    [
        (check_empty_update, CorrectSum, {}),
        (check_nan_policy, CorrectSum, {"nan_policy": "propagate"}),
        (check_nan_policy, NanRaisingSum, {"nan_policy": "raise", "functional": None}),
        (check_order_invariance, CorrectSum, {}),
        (check_batch_split_invariance, CorrectSum, {}),
    ],
    ids=lambda x: getattr(x, "__name__", str(x)),
)
def test_the_registry_properties_pass_their_controls(prop, cls, kwargs):
    prop(_spec(cls, **kwargs))


def test_a_wrong_reference_fails():
    spec = MetricSpec(CorrectSum, lambda x: np.sum(x) + 1e-3, _BATCHES, id="off-by-1e-3")
    with pytest.raises(HarnessFailure, match=r"\[update\]"):
        run_metric_tests(spec)


def test_unimportable_classes_are_refused_for_ddp():
    class Local(CorrectSum):
        pass

    with pytest.raises(HarnessFailure, match="must be importable"):
        run_metric_tests(_spec(Local), checks=["ddp"])


def test_a_hang_is_reported_not_waited_on():
    from calipers_testing import pool
    from calipers_testing._ddp_tasks import rank_of, sleep_on_rank_one

    with pytest.raises(pool.DDPTimeout, match="did not answer"):
        pool.get_pool().run(sleep_on_rank_one, [(30,), (30,)], timeout=3)
    # the hung pool was dropped and a new one works
    assert pool.get_pool().run(rank_of, [(), ()]) == [0, 1]


def test_a_task_the_workers_cannot_unpickle_is_an_error_not_a_crash():
    from calipers_testing import pool

    with pytest.raises(pool.DDPWorkerError, match="rank 0"):
        pool.get_pool().run(_local_task, [(), ()], timeout=30)
    from calipers_testing._ddp_tasks import rank_of

    assert pool.get_pool().run(rank_of, [(), ()]) == [0, 1]


def _local_task(rank, world):
    return rank
