"""The seeded 2-rank sync sweep (issue 17): random user metrics, collections and built-in aggregators, uneven and
empty ranks, ``forward`` and ``update``, user ``dist_sync_fn``s, and faulty ranks; an independent oracle
(:mod:`calipers_testing._sync_sweep`) says what every rank must get. 400 scenarios, 100 per pool task."""

from __future__ import annotations

from collections import Counter

import pytest

from calipers_testing._sync_sweep import FAULTS, compare, compare_merge, make_scenarios, run_batch
from calipers_testing.pool import get_pool

_SEEDS = (0, 1, 2, 3)
_PER_SEED = 100


@pytest.mark.parametrize("seed", _SEEDS)
def test_random_two_rank_scenarios_sync_as_the_oracle_says(seed):
    scenarios = make_scenarios(_PER_SEED, seed)
    results = get_pool().run(run_batch, [(scenarios,), (scenarios,)], timeout=120)
    failures = []
    for i, scenario in enumerate(scenarios):
        bad = compare(scenario, [results[0][i], results[1][i]])
        if bad is not None:
            failures.append(f"#{i} {scenario.kind} fault={scenario.fault} user_fn={scenario.user_fn}: {bad}")
    assert not failures, f"{len(failures)} of {len(scenarios)} scenarios failed:\n" + "\n".join(failures[:10])


def test_merge_state_gives_what_the_sync_gives():
    """The same scenarios without a process group: rank 0's metric merges rank 1's (issue 17, class 6, in general)."""
    scenarios = [
        s
        for seed in _SEEDS
        for s in make_scenarios(_PER_SEED, seed)
        if s.kind == "metric"
        and s.fault is None
        and all(spec.reduction not in ("none", "none_list") for spec in s.metrics[0][0])
    ]
    assert len(scenarios) > 40
    failures = [f"#{s.seed}: {bad}" for s in scenarios if (bad := compare_merge(s)) is not None]
    assert not failures, f"{len(failures)} of {len(scenarios)} merges differ from the sync:\n" + "\n".join(
        failures[:10]
    )


def test_the_sweep_covers_every_kind_of_scenario():
    scenarios = [s for seed in _SEEDS for s in make_scenarios(_PER_SEED, seed)]
    kinds = Counter(s.kind for s in scenarios)
    faults = Counter(s.fault for s in scenarios if s.fault)
    assert min(kinds.values()) >= 30 and set(kinds) == {"metric", "collection", "builtin"}
    assert set(faults) == set(FAULTS) and min(faults.values()) >= 3
    assert sum(s.user_fn for s in scenarios) >= 40
    reductions = Counter(spec.reduction for s in scenarios for ms in s.metrics for m in ms for spec in m)
    assert set(reductions) == {"sum", "mean", "max", "min", "custom", "custom_nf", "none", "cat", "none_list"}
    ops = Counter(op for s in scenarios for rank_ops in s.ops for op in rank_ops)
    assert ops["forward"] > 100 and ops["update"] > 100
    assert sum(1 for s in scenarios if not s.ops[1]) >= 40  # rank 1 never updates
