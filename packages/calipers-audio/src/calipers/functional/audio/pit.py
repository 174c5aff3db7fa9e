r"""Permutation invariant training (PIT): the best assignment of estimated to reference speakers, per sample.

For a metric :math:`m` and speakers :math:`1..S`, PIT returns :math:`\max_\pi \frac{1}{S}\sum_j m(\hat s_{\pi(j)},
s_j)` (or the minimum) and the best :math:`\pi` (``perm[b, j]`` is the estimate assigned to reference ``j``).

* ``"speaker-wise"``: the ``S x S`` matrix of pair metrics is built, then searched. When ``metric_func`` is one of
  the calipers signal metrics (see :func:`_broadcasts_over_pairs`), all pairs are evaluated at once: one call on
  ``(B, S, S, ...)`` views, or for SI-SDR/SI-SNR one batched matmul and one broadcast residual; any other
  function is called once per pair.
  The search is exhaustive (on the device, a ``gather`` over all permutations) for up to
  :data:`EXHAUSTIVE_MAX_SPEAKERS` speakers, and ``scipy.optimize.linear_sum_assignment`` above.
* ``"permutation-wise"``: ``metric_func`` gets every permuted batch in one call on ``(B * S!, S, ...)``. For the
  calipers metrics that are averages of per-speaker values the pair matrix gives the same result, and is used.
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Callable
from functools import lru_cache
from typing import Any, Literal

import numpy as np
import torch
from torch import Tensor

from calipers._checks import check_choice, check_tensor

__all__ = ["permutation_invariant_training", "pit_permutate"]

# Exhaustive search up to this many speakers (5! = 120 permutations, one gather); the assignment solver above.
# Workload: audio.pit (4 speakers).
EXHAUSTIVE_MAX_SPEAKERS = 5


@lru_cache(maxsize=16)
def _permutations(num_speakers: int, device: torch.device) -> Tensor:
    """All permutations of ``range(num_speakers)`` in lexicographic order, shape ``(S!, S)``."""
    return torch.tensor(list(itertools.permutations(range(num_speakers))), dtype=torch.long, device=device)


def _pair_matrices() -> dict[Callable[..., Tensor], Callable[..., Tensor]]:
    """The calipers per-signal functionals, each with the function giving its ``(B, S, S)`` pair matrix at once."""
    from calipers.functional.audio.sdr import (
        _si_sdr_pair_matrix,
        scale_invariant_signal_distortion_ratio,
        signal_distortion_ratio,
    )
    from calipers.functional.audio.snr import (
        complex_scale_invariant_signal_noise_ratio,
        scale_invariant_signal_noise_ratio,
        signal_noise_ratio,
    )

    def broadcast(metric_func: Callable[..., Tensor]) -> Callable[..., Tensor]:
        def pairs(preds: Tensor, target: Tensor, **kwargs: Any) -> Tensor:
            batch, spk = target.shape[:2]
            p = preds.unsqueeze(1).expand(batch, spk, *preds.shape[1:])
            t = target.unsqueeze(2).expand(batch, spk, *target.shape[1:])
            return metric_func(p, t, **kwargs)

        return pairs

    def si_sdr_pairs(preds: Tensor, target: Tensor, zero_mean: bool = False) -> Tensor:
        if preds.ndim != 3:  # (batch, spk, ..., time): the pair values are not scalars, reported by the shape check
            return broadcast(scale_invariant_signal_distortion_ratio)(preds, target, zero_mean=zero_mean)
        return _si_sdr_pair_matrix(preds, target, zero_mean)

    def si_snr_pairs(preds: Tensor, target: Tensor) -> Tensor:
        if preds.ndim != 3:
            return broadcast(scale_invariant_signal_noise_ratio)(preds, target)
        return _si_sdr_pair_matrix(preds, target, zero_mean=True, name="scale_invariant_signal_noise_ratio")

    return {
        signal_noise_ratio: broadcast(signal_noise_ratio),
        complex_scale_invariant_signal_noise_ratio: broadcast(complex_scale_invariant_signal_noise_ratio),
        signal_distortion_ratio: broadcast(signal_distortion_ratio),
        scale_invariant_signal_distortion_ratio: si_sdr_pairs,
        scale_invariant_signal_noise_ratio: si_snr_pairs,
    }


def _unwrap(metric_func: Callable[..., Tensor]) -> tuple[Callable[..., Tensor], dict[str, Any]]:
    """The function under ``functools.partial`` layers and their keyword arguments."""
    keywords: dict[str, Any] = {}
    while isinstance(metric_func, functools.partial) and not metric_func.args:
        keywords = {**metric_func.keywords, **keywords}
        metric_func = metric_func.func
    return metric_func, keywords


def _broadcasts_over_pairs(metric_func: Callable[..., Tensor]) -> bool:
    """Whether ``metric_func`` (or a keyword ``functools.partial`` of it) is a calipers per-signal metric."""
    return _unwrap(metric_func)[0] in _pair_matrices()


def _pit_arg_validation(name: str, metric_func: object, mode: object, eval_func: object) -> None:
    """``metric_func`` callable; ``mode`` and ``eval_func`` among their choices."""
    if not callable(metric_func):
        raise TypeError(f"{name}: `metric_func` must be a callable, got {metric_func!r}.")
    check_choice(name, "mode", mode, ["speaker-wise", "permutation-wise"])
    check_choice(name, "eval_func", eval_func, ["max", "min"])


def _pit_tensor_validation(name: str, preds: object, target: object) -> tuple[Tensor, Tensor]:
    """Tensors ``(batch, spk, ...)`` agreeing on batch and speakers."""
    p = check_tensor(name, "preds", preds, "any")
    t = check_tensor(name, "target", target, "any")
    if t.ndim < 2:
        raise ValueError(f"{name}: `target` must have shape (batch, spk, ...), got shape {tuple(t.shape)}.")
    if p.shape[:2] != t.shape[:2]:
        raise ValueError(
            f"{name}: `preds` must have the batch and speaker dimensions of `target` {tuple(t.shape[:2])}, got "
            f"{tuple(p.shape[:2])}."
        )
    return p, t


def _check_metric_shape(name: str, value: object, expected: tuple[int, ...], call: str) -> Tensor:
    if not isinstance(value, Tensor) or tuple(value.shape) != expected:
        got = tuple(value.shape) if isinstance(value, Tensor) else type(value).__name__
        raise ValueError(f"{name}: `metric_func` must return shape {expected} for {call}, got {got}.")
    return value


def _pair_matrix(name: str, preds: Tensor, target: Tensor, metric_func: Callable[..., Tensor], **kwargs: Any) -> Tensor:
    """``m[b, j, i] = metric_func(preds[b, i], target[b, j])``, shape ``(B, S, S)``."""
    batch, spk = target.shape[:2]
    if _broadcasts_over_pairs(metric_func):
        func, keywords = _unwrap(metric_func)
        values = _pair_matrices()[func](preds, target, **keywords, **kwargs)
        return _check_metric_shape(name, values, (batch, spk, spk), "all pairs")
    rows = []
    for j in range(spk):
        row = [
            _check_metric_shape(name, metric_func(preds[:, i], target[:, j], **kwargs), (batch,), "one pair")
            for i in range(spk)
        ]
        rows.append(torch.stack(row, dim=-1))
    return torch.stack(rows, dim=1)


def _best_exhaustive(matrix: Tensor, eval_func: str) -> tuple[Tensor, Tensor]:
    """Best mean over all permutations by one gather; ``matrix`` ``(B, S, S)``."""
    batch, spk = matrix.shape[:2]
    perms = _permutations(spk, matrix.device)  # (P, S): perms[q, j] = estimate for reference j
    index = perms.T.unsqueeze(0).expand(batch, spk, perms.shape[0])
    scores = torch.gather(matrix, 2, index).mean(dim=1)  # (B, P)
    best, which = scores.max(dim=1) if eval_func == "max" else scores.min(dim=1)
    return best, perms[which]


def _best_assignment(matrix: Tensor, eval_func: str) -> tuple[Tensor, Tensor]:
    """Best assignment by ``scipy.optimize.linear_sum_assignment`` on the host, then one gather."""
    from scipy.optimize import linear_sum_assignment  # type: ignore[import-untyped]

    host = matrix.detach().to("cpu", torch.float64).numpy()
    columns = [linear_sum_assignment(m, maximize=eval_func == "max")[1] for m in host]
    perm = torch.from_numpy(np.stack(columns).astype(np.int64)).to(matrix.device)
    best = torch.gather(matrix, 2, perm.unsqueeze(-1)).mean(dim=(1, 2))
    return best, perm


def _pit_from_matrix(matrix: Tensor, eval_func: str) -> tuple[Tensor, Tensor]:
    if matrix.shape[1] <= EXHAUSTIVE_MAX_SPEAKERS:
        return _best_exhaustive(matrix, eval_func)
    return _best_assignment(matrix, eval_func)


def _pit_permutation_wise(
    name: str, preds: Tensor, target: Tensor, metric_func: Callable[..., Tensor], eval_func: str, **kwargs: Any
) -> tuple[Tensor, Tensor]:
    """Every permutation in one call of ``metric_func`` on ``(B * S!, S, ...)``."""
    batch, spk = target.shape[:2]
    perms = _permutations(spk, preds.device)
    n_perm = perms.shape[0]
    permuted = preds[:, perms].reshape(batch * n_perm, *preds.shape[1:])
    repeated = target.unsqueeze(1).expand(batch, n_perm, *target.shape[1:]).reshape(batch * n_perm, *target.shape[1:])
    values = metric_func(permuted, repeated, **kwargs)
    if not isinstance(values, Tensor) or values.shape[:1] != (batch * n_perm,) or values.ndim > 2:
        got = tuple(values.shape) if isinstance(values, Tensor) else type(values).__name__
        raise ValueError(
            f"{name}: `metric_func` must return shape ({batch * n_perm},) or ({batch * n_perm}, {spk}) for the "
            f"permuted batch, got {got}."
        )
    scores = values.reshape(batch, n_perm, -1).mean(dim=-1)
    best, which = scores.max(dim=1) if eval_func == "max" else scores.min(dim=1)
    return best, perms[which]


def _pit_update(
    name: str,
    preds: Tensor,
    target: Tensor,
    metric_func: Callable[..., Tensor],
    mode: str,
    eval_func: str,
    **kwargs: Any,
) -> tuple[Tensor, Tensor]:
    """Best metric ``(B,)`` and permutation ``(B, S)`` of every sample."""
    if mode == "speaker-wise" or _broadcasts_over_pairs(metric_func):
        return _pit_from_matrix(_pair_matrix(name, preds, target, metric_func, **kwargs), eval_func)
    return _pit_permutation_wise(name, preds, target, metric_func, eval_func, **kwargs)


def permutation_invariant_training(
    preds: Tensor,
    target: Tensor,
    metric_func: Callable[..., Tensor],
    mode: Literal["speaker-wise", "permutation-wise"] = "speaker-wise",
    eval_func: Literal["max", "min"] = "max",
    **kwargs: Any,
) -> tuple[Tensor, Tensor]:
    """Permutation invariant training: the best speaker assignment of every sample.

    Args:
        preds: estimates, shape ``(batch, spk, ...)``.
        target: references, shape ``(batch, spk, ...)``.
        metric_func: ``"speaker-wise"``: ``metric_func(preds[:, i], target[:, j], **kwargs)`` returns ``(batch,)``;
            ``"permutation-wise"``: ``metric_func(permuted_preds, target, **kwargs)`` on ``(batch', spk, ...)``
            returns ``(batch',)`` or ``(batch', spk)``.
        mode: ``"speaker-wise"`` or ``"permutation-wise"``.
        eval_func: ``"max"`` (higher is better) or ``"min"``.
        kwargs: passed to ``metric_func``.

    Returns:
        The best metric of every sample ``(batch,)`` and its permutation ``(batch, spk)``: ``perm[b, j]`` is the
        estimate matched with reference ``j``.

    Raises:
        TypeError: if an input is not a tensor or ``metric_func`` is not callable.
        ValueError: if batch or speaker dimensions differ, a choice is unknown, or ``metric_func`` returns a wrong
            shape.

    Example:
        >>> import torch
        >>> from calipers.functional.audio import permutation_invariant_training as pit
        >>> from calipers.functional.audio import scale_invariant_signal_distortion_ratio as si_sdr
        >>> target = torch.tensor([[[1.0, -1.0, 2.0, 0.0], [0.0, 3.0, -1.0, 1.0]]])
        >>> preds = target.flip(1) + 0.1
        >>> best, perm = pit(preds, target, si_sdr)
        >>> perm
        tensor([[1, 0]])
    """
    name = "permutation_invariant_training"
    _pit_arg_validation(name, metric_func, mode, eval_func)
    p, t = _pit_tensor_validation(name, preds, target)
    return _pit_update(name, p, t, metric_func, mode, eval_func, **kwargs)


def pit_permutate(preds: Tensor, perm: Tensor) -> Tensor:
    """Reorder the speakers of ``preds`` by ``perm`` (one ``gather``, no loop over the batch).

    Args:
        preds: estimates, shape ``(batch, spk, ...)``.
        perm: permutations from :func:`permutation_invariant_training`, shape ``(batch, spk)``.

    Returns:
        ``out[b, j] = preds[b, perm[b, j]]``, the shape of ``preds``.

    Raises:
        TypeError: if an input is not a tensor or ``perm`` is not an integer tensor.
        ValueError: if ``perm`` is not ``(batch, spk)`` of ``preds``.

    Example:
        >>> import torch
        >>> from calipers.functional.audio import pit_permutate
        >>> pit_permutate(torch.tensor([[[1.0], [2.0], [3.0]]]), torch.tensor([[2, 0, 1]]))
        tensor([[[3.],
                 [1.],
                 [2.]]])
    """
    name = "pit_permutate"
    p = check_tensor(name, "preds", preds, "any")
    q = check_tensor(name, "perm", perm, "integer", ndim=2)
    if p.ndim < 2 or tuple(q.shape) != tuple(p.shape[:2]):
        raise ValueError(f"{name}: `perm` must have shape (batch, spk) of `preds`, got {tuple(q.shape)}.")
    index = q.reshape(*q.shape, *([1] * (p.ndim - 2))).expand(p.shape)
    return torch.gather(p, 1, index)
