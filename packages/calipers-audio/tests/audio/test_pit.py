"""PIT against brute force over all permutations (NumPy metrics from the definitions) and
``scipy.optimize.linear_sum_assignment``; TorchMetrics parity; ``pit_permutate``."""

from __future__ import annotations

import functools
import itertools

import numpy as np
import pytest
import torch
import torchmetrics.functional.audio as tmf
from scipy.optimize import linear_sum_assignment

from calipers.audio import PermutationInvariantTraining
from calipers.functional.audio import (
    permutation_invariant_training,
    pit_permutate,
    scale_invariant_signal_distortion_ratio,
    scale_invariant_signal_noise_ratio,
    signal_distortion_ratio,
    signal_noise_ratio,
    source_aggregated_signal_distortion_ratio,
)
from calipers.functional.audio.pit import _best_assignment, _best_exhaustive, _broadcasts_over_pairs
from calipers_testing import BadInput, MetricSpec, run_metric_tests


def _mixtures(batch: int, spk: int, length: int = 200, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    """References and shuffled noisy estimates of them (the same data whatever the order the tests run in)."""
    rng = np.random.default_rng([1403, batch, spk, length, seed])
    t = np.arange(length) / 8000
    target = np.stack(
        [
            [np.sin(2 * np.pi * rng.uniform(100, 900) * t) * (1 + 0.5 * np.sin(2 * np.pi * 4 * t)) for _ in range(spk)]
            for _ in range(batch)
        ]
    ) + 0.1 * rng.standard_normal((batch, spk, length))
    order = np.stack([rng.permutation(spk) for _ in range(batch)])
    preds = np.take_along_axis(target, order[:, :, None], 1) + 0.6 * rng.standard_normal(target.shape)
    return torch.tensor(preds, dtype=torch.float32), torch.tensor(target, dtype=torch.float32)


def _np_si_sdr(p, t):
    eps = np.finfo(np.float32).eps
    alpha = ((p * t).sum(-1, keepdims=True) + eps) / ((t**2).sum(-1, keepdims=True) + eps)
    s = alpha * t
    return 10 * np.log10(((s**2).sum(-1) + eps) / (((s - p) ** 2).sum(-1) + eps))


def _np_snr(p, t):
    eps = np.finfo(np.float32).eps
    return 10 * np.log10(((t**2).sum(-1) + eps) / (((t - p) ** 2).sum(-1) + eps))


def _brute_force(preds, target, pair_metric=_np_si_sdr, maximize=True):
    """Best mean pair metric over every permutation, per sample."""
    best_values, best_perms = [], []
    for p, t in zip(preds, target):
        scored = [(pair_metric(p[list(q)], t).mean(), q) for q in itertools.permutations(range(len(t)))]
        value, perm = (max if maximize else min)(scored, key=lambda x: x[0])
        best_values.append(value)
        best_perms.append(perm)
    return np.array(best_values), np.array(best_perms)


SPECS = [
    MetricSpec(
        PermutationInvariantTraining,
        lambda p, t: _brute_force(p, t)[0].mean(),
        [_mixtures(n, 3, seed=i) for i, n in enumerate((3, 2, 1, 2))],
        metric_args={"metric_func": scale_invariant_signal_distortion_ratio},
        functional=lambda p, t, **k: permutation_invariant_training(p, t, **k)[0].mean(),
        atol=1e-4,
        bad_inputs=[
            BadInput((torch.ones(2, 3, 10), torch.ones(2, 2, 10)), ValueError, r"`preds` must have the batch and spe"),
            BadInput((torch.ones(2, 3, 10), torch.ones(2, 3, 11)), ValueError, "`target` must have the same shape"),
            BadInput((torch.ones(2, 3, 10), torch.ones(2)), ValueError, r"`target` must have shape \(batch, spk"),
        ],
        id="pit-si-sdr",
    ),
    MetricSpec(
        PermutationInvariantTraining,
        lambda p, t: _brute_force(p, t, _np_snr, False)[0].mean(),
        [_mixtures(n, 2, seed=i) for i, n in enumerate((2, 3, 1))],
        metric_args={"metric_func": signal_noise_ratio, "mode": "permutation-wise", "eval_func": "min"},
        functional=lambda p, t, **k: permutation_invariant_training(p, t, **k)[0].mean(),
        atol=1e-4,
        ddp=False,  # the DDP path is the first spec's
        id="pit-snr-permutation-wise-min",
    ),
]


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.name)
def test_pit_harness(spec):
    run_metric_tests(spec)


def _loop_only_si_sdr(preds, target):
    """A user metric (not recognised as broadcasting): SI-SDR of (batch, time) pairs."""
    assert preds.ndim == 2
    return scale_invariant_signal_distortion_ratio(preds, target)


@pytest.mark.parametrize("spk", [2, 3, 4, 6])
@pytest.mark.parametrize("eval_func", ["max", "min"])
def test_pit_speaker_wise_matches_brute_force_and_torchmetrics(spk, eval_func):
    preds, target = _mixtures(4, spk)
    best, perm = permutation_invariant_training(preds, target, scale_invariant_signal_distortion_ratio, "speaker-wise",
                                                eval_func)  # fmt: skip
    ref_best, ref_perm = _brute_force(preds.double().numpy(), target.double().numpy(), maximize=eval_func == "max")
    np.testing.assert_allclose(best.numpy(), ref_best, atol=1e-4)
    np.testing.assert_array_equal(perm.numpy(), ref_perm)
    tm_best, tm_perm = tmf.permutation_invariant_training(preds, target, tmf.scale_invariant_signal_distortion_ratio,
                                                          "speaker-wise", eval_func)  # fmt: skip
    torch.testing.assert_close(best, tm_best, atol=1e-3, rtol=1e-5)  # float32 rounding of both
    assert torch.equal(perm, tm_perm)
    loop_best, loop_perm = permutation_invariant_training(preds, target, _loop_only_si_sdr, eval_func=eval_func)
    torch.testing.assert_close(loop_best, best, atol=1e-3, rtol=1e-5)
    assert torch.equal(loop_perm, perm)


@pytest.mark.parametrize("spk", [2, 3])
def test_pit_permutation_wise_matches_torchmetrics(spk):
    preds, target = _mixtures(5, spk)
    for func, tm_func in [
        (source_aggregated_signal_distortion_ratio, tmf.source_aggregated_signal_distortion_ratio),
        (scale_invariant_signal_distortion_ratio, tmf.scale_invariant_signal_distortion_ratio),
        (
            functools.partial(signal_noise_ratio, zero_mean=True),
            functools.partial(tmf.signal_noise_ratio, zero_mean=True),
        ),
    ]:
        best, perm = permutation_invariant_training(preds, target, func, "permutation-wise")
        tm_best, tm_perm = tmf.permutation_invariant_training(preds, target, tm_func, "permutation-wise")
        torch.testing.assert_close(best, tm_best, atol=1e-3, rtol=1e-5)
        assert torch.equal(perm, tm_perm)
        torch.testing.assert_close(pit_permutate(preds, perm), tmf.pit_permutate(preds, perm))
    best, _ = permutation_invariant_training(preds, target, signal_noise_ratio, "speaker-wise", zero_mean=True)
    tm_best, _ = tmf.permutation_invariant_training(preds, target, tmf.signal_noise_ratio, zero_mean=True)
    torch.testing.assert_close(best, tm_best, atol=1e-3, rtol=1e-5)


def test_pit_search_paths_agree_with_linear_sum_assignment():
    gen = torch.Generator().manual_seed(3)
    for spk in (2, 4, 5):
        matrix = torch.randn(6, spk, spk, generator=gen, dtype=torch.float64)
        for eval_func in ("max", "min"):
            exhaustive = _best_exhaustive(matrix, eval_func)
            assignment = _best_assignment(matrix, eval_func)
            torch.testing.assert_close(exhaustive[0], assignment[0])
            assert torch.equal(exhaustive[1], assignment[1])
            for m, p in zip(matrix.numpy(), assignment[1].numpy()):
                np.testing.assert_array_equal(p, linear_sum_assignment(m, maximize=eval_func == "max")[1])


def test_pit_pair_detection_and_gradients():
    assert _broadcasts_over_pairs(scale_invariant_signal_distortion_ratio)
    assert _broadcasts_over_pairs(functools.partial(signal_noise_ratio, zero_mean=True))
    assert not _broadcasts_over_pairs(_loop_only_si_sdr)
    preds, target = _mixtures(3, 3)
    funcs = [
        scale_invariant_signal_noise_ratio,
        functools.partial(signal_distortion_ratio, filter_length=32),
        functools.partial(scale_invariant_signal_distortion_ratio, zero_mean=True),
    ]
    for func in funcs:
        fast = permutation_invariant_training(preds, target, func)
        looped = permutation_invariant_training(preds, target, lambda p, t, f=func: f(p, t))
        torch.testing.assert_close(fast[0], looped[0], atol=1e-4, rtol=0)
        assert torch.equal(fast[1], looped[1])
    preds, target = _mixtures(2, 3)
    preds.requires_grad_(True)
    best, _ = permutation_invariant_training(preds, target, scale_invariant_signal_distortion_ratio)
    best.sum().backward()
    assert preds.grad is not None and torch.isfinite(preds.grad).all()


def test_pit_permutate_by_gather():
    preds = torch.arange(24.0).reshape(2, 3, 4)
    perm = torch.tensor([[2, 0, 1], [1, 2, 0]])
    out = pit_permutate(preds, perm)
    assert torch.equal(out, tmf.pit_permutate(preds, perm))
    assert torch.equal(out[1, 0], preds[1, 1])
    with pytest.raises(ValueError, match=r"pit_permutate: `perm` must have shape \(batch, spk\) of `preds`"):
        pit_permutate(preds, perm[:, :2])
    with pytest.raises(TypeError, match="pit_permutate: `perm` must be an integer tensor"):
        pit_permutate(preds, perm.float())


def test_pit_rejects_bad_arguments_and_wrong_metric_shapes():
    preds, target = _mixtures(2, 2)
    with pytest.raises(ValueError, match="PermutationInvariantTraining: `mode` must be one of"):
        PermutationInvariantTraining(signal_noise_ratio, mode="pair-wise")
    with pytest.raises(ValueError, match="permutation_invariant_training: `eval_func` must be one of"):
        permutation_invariant_training(preds, target, signal_noise_ratio, eval_func="best")
    with pytest.raises(TypeError, match="PermutationInvariantTraining: `metric_func` must be a callable"):
        PermutationInvariantTraining("si-sdr")
    metric = PermutationInvariantTraining(lambda p, t: p.mean(), dist_sync_on_step=False)
    with pytest.raises(ValueError, match=r"`metric_func` must return shape \(2,\) for one pair, got \(\)"):
        metric.update(preds, target)
    assert metric.total == 0
    with pytest.raises(ValueError, match=r"`metric_func` must return shape \(4,\) or \(4, 2\)"):
        permutation_invariant_training(preds, target, lambda p, t: p.sum(), "permutation-wise")
