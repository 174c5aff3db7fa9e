from __future__ import annotations

import numpy as np
import pytest
import torch

from calipers_testing import BadInput, HarnessFailure, MetricSpec, run_metric_tests
from calipers_testing._defects import (
    CorrectSum,
    DropsRankSum,
    ForwardReturnsGlobalSum,
    LosesStateDictKeySum,
    MutatesBeforeValidateSum,
)

_gen = torch.Generator().manual_seed(3)
_BATCHES = [(torch.randn(n, generator=_gen),) for n in (5, 2, 7, 1, 4)]
_BAD = [BadInput(("x",), TypeError, "`x` must be a tensor")]


def _spec(cls):
    return MetricSpec(cls, lambda x: np.sum(x), _BATCHES, bad_inputs=_BAD, dtypes=(torch.float64,), id=cls.__name__)


def test_the_control_passes():
    run_metric_tests(_spec(CorrectSum))


@pytest.mark.parametrize(
    ("cls", "check"),
    [
        (DropsRankSum, "ddp"),
        (ForwardReturnsGlobalSum, "forward"),
        (LosesStateDictKeySum, "state_dict"),
        (MutatesBeforeValidateSum, "validate_before_mutate"),
    ],
)
def test_the_harness_reports_each_planted_defect(cls, check):
    with pytest.raises(HarnessFailure):
        run_metric_tests(_spec(cls))
    with pytest.raises(HarnessFailure) as info:
        run_metric_tests(_spec(cls), checks=[check])
    assert info.value.check == check, str(info.value)
    run_metric_tests(_spec(CorrectSum), checks=[check])  # the same check passes on the control


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
