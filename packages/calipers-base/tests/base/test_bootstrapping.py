"""BootStrapper checked statistically (seeded generators) against the bootstrap's known behaviour and NumPy."""

from __future__ import annotations

import io

import numpy as np
import pytest
import torch

from calipers import MeanMetric, SumMetric
from calipers.wrappers import BootStrapper
from calipers_testing.states import snapshot, snapshots_equal

_N = 2000
_DATA = torch.randn(_N, generator=torch.Generator().manual_seed(5), dtype=torch.float64).float()


def _numpy_bootstrap_std(x, draws, seed):
    """Standard deviation of the mean over ``draws`` multinomial resamples, with NumPy's own generator."""
    rng = np.random.default_rng(seed)
    means = [x[rng.integers(0, len(x), len(x))].mean() for _ in range(draws)]
    return float(np.std(means, ddof=1))


@pytest.mark.parametrize("strategy", ["poisson", "multinomial"])
def test_bootstrap_statistics_of_a_mean(strategy):
    x = _DATA.double().numpy()
    se = x.std(ddof=1) / np.sqrt(_N)  # the standard error the bootstrap estimates
    boot = BootStrapper(
        MeanMetric(),
        num_bootstraps=400,
        quantile=torch.tensor([0.05, 0.95]),
        raw=True,
        sampling_strategy=strategy,
        generator=torch.Generator().manual_seed(1),
    )
    for chunk in _DATA.split(500):  # four batches: the resampling is per batch
        boot.update(chunk)
    out = boot.compute()
    assert set(out) == {"mean", "std", "quantile", "raw"}
    assert out["raw"].shape == (400,)
    assert abs(float(out["std"]) / se - 1) < 0.15
    assert abs(float(out["std"]) / _numpy_bootstrap_std(x, 400, 0) - 1) < 0.2
    assert abs(float(out["mean"]) - x.mean()) < 4 * se / np.sqrt(400) + 0.02 * se
    low, high = out["quantile"].tolist()
    assert abs(low - (x.mean() - 1.645 * se)) < 0.35 * se
    assert abs(high - (x.mean() + 1.645 * se)) < 0.35 * se


def test_a_seeded_generator_reproduces_and_another_seed_differs():
    def run(seed):
        boot = BootStrapper(SumMetric(), num_bootstraps=5, raw=True, generator=torch.Generator().manual_seed(seed))
        boot.update(_DATA[:50])
        return boot.compute()["raw"]

    assert torch.equal(run(3), run(3))
    assert not torch.equal(run(3), run(4))


def test_forward_gives_one_value_per_copy_even_for_empty_resamples():
    boot = BootStrapper(SumMetric(), num_bootstraps=50, raw=True, generator=torch.Generator().manual_seed(0))
    out = boot(torch.tensor([2.0]))  # Poisson(1) draws 0 for about a third of the copies: their value is 0
    assert out["raw"].shape == (50,)
    assert set(out["raw"].unique().tolist()) <= {0.0, 2.0, 4.0, 6.0, 8.0, 10.0, 12.0}
    assert 0.0 in out["raw"].tolist()
    assert boot.update_count == 1


def test_inputs_by_keyword_and_nested_are_resampled_row_by_row():
    boot = BootStrapper(MeanMetric(), num_bootstraps=3, sampling_strategy="multinomial", raw=True)
    boot.update(value=torch.full((6,), 3.0), weight=torch.ones(6))
    assert torch.equal(boot.compute()["raw"], torch.full((3,), 3.0))


def test_a_rejected_batch_leaves_every_copy_unchanged():
    boot = BootStrapper(MeanMetric(nan_strategy="error"), num_bootstraps=20, generator=torch.Generator().manual_seed(2))
    boot.update(torch.arange(5.0))
    before = snapshot(boot)
    with pytest.raises(ValueError, match="NaN"):
        boot.update(torch.tensor([1.0, 2.0, float("nan"), 4.0]))
    assert snapshots_equal(before, snapshot(boot)) is None


def test_state_dict_round_trip_of_every_copy():
    boot = BootStrapper(SumMetric(), num_bootstraps=3, raw=True, generator=torch.Generator().manual_seed(0))
    boot.update(_DATA[:20])
    boot.persistent(True)
    assert sorted(boot.state_dict()) == [f"metrics.{i}.sum_value" for i in range(3)]
    buffer = io.BytesIO()
    torch.save(boot.state_dict(), buffer)
    buffer.seek(0)
    fresh = BootStrapper(SumMetric(), num_bootstraps=3, raw=True)
    fresh.load_state_dict(torch.load(buffer))
    assert torch.equal(fresh.compute()["raw"], boot.compute()["raw"])


def test_errors():
    with pytest.raises(TypeError, match="`base_metric` must be a calipers Metric, got int"):
        BootStrapper(3)
    with pytest.raises(ValueError, match="`num_bootstraps` must be a positive integer, got 0"):
        BootStrapper(SumMetric(), num_bootstraps=0)
    with pytest.raises(TypeError, match="`std` must be a bool"):
        BootStrapper(SumMetric(), std="yes")
    with pytest.raises(ValueError, match=r"`quantile` must be in \[0, 1\], got 1.5"):
        BootStrapper(SumMetric(), quantile=1.5)
    with pytest.raises(ValueError, match=r"`sampling_strategy` must be one of \['multinomial', 'poisson'\]"):
        BootStrapper(SumMetric(), sampling_strategy="jackknife")
    with pytest.raises(TypeError, match=r"`generator` must be a torch\.Generator or None"):
        BootStrapper(SumMetric(), generator=3)
    with pytest.raises(ValueError, match="must hold at least one tensor with rows"):
        BootStrapper(SumMetric()).update(3.0)
