"""Shared pieces of the correlation families (Pearson, concordance, Spearman, Kendall).

* input checks and formatting of ``(N,)`` / ``(N, d)`` pairs of ``preds`` and ``target``;
* **co-moments**: the streaming sufficient statistics of a pair of samples, one ``(10, d)`` tensor per batch

  ======  ==============================================================
  row     statistic (per output column)
  ======  ==============================================================
  0       ``n``: number of samples
  1, 2    ``mean_x``, ``mean_y``
  3, 4    ``m2_x = sum (x - mean_x)^2``, ``m2_y = sum (y - mean_y)^2``
  5       ``c_xy = sum (x - mean_x)(y - mean_y)``
  6 - 9   ``min_x``, ``max_x``, ``min_y``, ``max_y`` (exact constant-input detection)
  ======  ==============================================================

  Batches, metric objects and ranks combine with :func:`merge_comoments`, the n-way form of the parallel algorithm of
  Chan, Golub & LeVeque (1979): with ``N = sum n_i`` and ``mean = sum n_i mean_i / N``,
  ``M2 = sum M2_i + sum n_i (mean_i - mean)^2`` and ``C = sum C_i + sum n_i (mean_x,i - mean_x)(mean_y,i - mean_y)``.
  Only centred quantities are ever added, so the result does not suffer the cancellation of raw power sums and does
  not depend on how the samples were split.
"""

from __future__ import annotations

import warnings

import torch
from torch import Tensor

from calipers.exceptions import CalipersUserWarning
from calipers.functional.regression._checks import check_finite, check_real_tensor
from calipers.utilities.data import dim_zero_cat

__all__ = [
    "N_ROWS",
    "cat_pair_states",
    "check_correlation_pair",
    "check_num_outputs",
    "comoments",
    "empty_comoments",
    "format_correlation_pair",
    "merge_comoments",
    "sanitized_comoments",
    "warn_if_undefined",
]

N_ROWS = 10
_N, _MX, _MY, _M2X, _M2Y, _CXY, _MINX, _MAXX, _MINY, _MAXY = range(N_ROWS)


def check_num_outputs(name: str, num_outputs: object) -> None:
    """Raise unless ``num_outputs`` is a positive int (``TypeError`` for a non-int, ``ValueError`` for < 1)."""
    if isinstance(num_outputs, bool) or not isinstance(num_outputs, int):
        raise TypeError(f"{name}: `num_outputs` must be a positive int, got {num_outputs!r}.")
    if num_outputs < 1:
        raise ValueError(f"{name}: `num_outputs` must be a positive int, got {num_outputs!r}.")


def check_correlation_pair(
    name: str, preds: object, target: object, num_outputs: int | None = None, validate_args: bool = True
) -> None:
    """Check a pair of correlation inputs: tensors of one shape ``(N,)`` or ``(N, d)``, finite values.

    Args:
        name: the calling function or class, for the messages.
        preds: the predictions.
        target: the targets.
        num_outputs: the expected ``d`` (``None``: any).
        validate_args: also check the values (finite), which costs a host-device synchronisation.

    Raises:
        TypeError: for a non-tensor, or a complex or bool tensor.
        ValueError: for mismatched shapes, a shape other than ``(N,)``/``(N, d)``, a ``d`` other than
            ``num_outputs``, or NaN/inf values.
    """
    p = check_real_tensor(name, "preds", preds)
    t = check_real_tensor(name, "target", target)
    if p.shape != t.shape:
        raise ValueError(f"{name}: `target` must have the shape of `preds` {tuple(p.shape)}, got {tuple(t.shape)}.")
    if p.ndim not in (1, 2):
        raise ValueError(f"{name}: `preds` must be a 1-d (N,) or 2-d (N, d) tensor, got shape {tuple(p.shape)}.")
    if num_outputs is not None:
        d = 1 if p.ndim == 1 else p.shape[1]
        if d != num_outputs:
            expected = "(N,) or (N, 1)" if num_outputs == 1 else f"(N, {num_outputs})"
            raise ValueError(
                f"{name}: `preds` must have shape {expected} for num_outputs={num_outputs}, got {tuple(p.shape)}."
            )
    if validate_args:
        check_finite(name, "preds", p)
        check_finite(name, "target", t)


def format_correlation_pair(preds: Tensor, target: Tensor) -> tuple[Tensor, Tensor]:
    """View both inputs as ``(N, d)`` (a 1-d input is one output column)."""
    if preds.ndim == 1:
        return preds.unsqueeze(1), target.unsqueeze(1)
    return preds, target


def cat_pair_states(
    preds: list[Tensor] | Tensor, target: list[Tensor] | Tensor, num_outputs: int, device: torch.device
) -> tuple[Tensor, Tensor]:
    """Concatenate two ``cat`` states into ``(N, num_outputs)`` tensors (``N = 0`` when nothing was seen)."""
    if isinstance(preds, list) and not preds:
        empty = torch.zeros(0, num_outputs, device=device)
        return empty, empty
    return dim_zero_cat(preds).reshape(-1, num_outputs), dim_zero_cat(target).reshape(-1, num_outputs)


def empty_comoments(num_outputs: int, dtype: torch.dtype = torch.float64, device: torch.device | None = None) -> Tensor:
    """The co-moments of no samples: zero counts, means and sums; ``+inf`` minima and ``-inf`` maxima."""
    out = torch.zeros(N_ROWS, num_outputs, dtype=dtype, device=device)
    out[[_MINX, _MINY]] = float("inf")
    out[[_MAXX, _MAXY]] = -float("inf")
    return out


def comoments(x: Tensor, y: Tensor, dtype: torch.dtype = torch.float64) -> Tensor:
    """Co-moments ``(10, d)`` of one batch of ``(N, d)`` inputs, computed in ``dtype`` with centred (two-pass) sums."""
    if x.shape[0] == 0:
        return empty_comoments(x.shape[1], dtype, x.device)
    x = x.to(dtype)
    y = y.to(dtype)
    mean_x = x.mean(0)
    mean_y = y.mean(0)
    dx = x - mean_x
    dy = y - mean_y
    count = torch.full_like(mean_x, float(x.shape[0]))
    return torch.stack(
        [
            count, mean_x, mean_y, (dx * dx).sum(0), (dy * dy).sum(0), (dx * dy).sum(0),
            x.amin(0), x.amax(0), y.amin(0), y.amax(0),
        ]
    )  # fmt: skip


def merge_comoments(stacked: Tensor) -> Tensor:
    """Merge co-moments stacked along dim 0 (``(k, 10, d) -> (10, d)``) with the parallel algorithm of Chan et al.

    This is the ``dist_reduce_fx`` of the co-moment states: it serves ``forward``, ``merge_state`` and the sync.

    Example:
        >>> import torch
        >>> x, y = torch.arange(6.0).reshape(6, 1), torch.tensor([[1.0], [3.0], [2.0], [5.0], [4.0], [6.0]])
        >>> merged = merge_comoments(torch.stack([comoments(x[:2], y[:2]), comoments(x[2:], y[2:])]))
        >>> torch.allclose(merged, comoments(x, y))
        True
    """
    counts = stacked[:, _N]
    total = counts.sum(0)
    weights = torch.where(total > 0, counts / torch.where(total > 0, total, 1.0), 0.0)
    mean_x = (weights * stacked[:, _MX]).sum(0)
    mean_y = (weights * stacked[:, _MY]).sum(0)
    dx = stacked[:, _MX] - mean_x
    dy = stacked[:, _MY] - mean_y
    return torch.stack(
        [
            total,
            mean_x,
            mean_y,
            stacked[:, _M2X].sum(0) + (counts * dx * dx).sum(0),
            stacked[:, _M2Y].sum(0) + (counts * dy * dy).sum(0),
            stacked[:, _CXY].sum(0) + (counts * dx * dy).sum(0),
            stacked[:, _MINX].amin(0),
            stacked[:, _MAXX].amax(0),
            stacked[:, _MINY].amin(0),
            stacked[:, _MAXY].amax(0),
        ]
    )


def sanitized_comoments(moments: Tensor) -> tuple[Tensor, Tensor, Tensor, Tensor, Tensor, Tensor]:
    """``(n, mean_x, mean_y, m2_x, m2_y, c_xy)`` with exact values for constant columns.

    A column whose minimum equals its maximum is constant: its mean is set to that value and its centred sums to
    exactly zero, so rounding in the running mean can never fake a tiny variance.
    """
    n, mean_x, mean_y, m2x, m2y, cxy = (moments[i] for i in range(_MINX))
    const_x = moments[_MINX] == moments[_MAXX]
    const_y = moments[_MINY] == moments[_MAXY]
    zero = torch.zeros_like(m2x)
    mean_x = torch.where(const_x, moments[_MINX], mean_x)
    mean_y = torch.where(const_y, moments[_MINY], mean_y)
    m2x = torch.where(const_x, zero, m2x)
    m2y = torch.where(const_y, zero, m2y)
    cxy = torch.where(const_x | const_y, zero, cxy)
    return n, mean_x, mean_y, m2x, m2y, cxy


def warn_if_undefined(name: str, value: Tensor) -> None:
    """Warn (``CalipersUserWarning``) when a correlation is undefined (NaN): constant inputs or < 2 samples."""
    if bool(torch.isnan(value).any()):
        warnings.warn(
            f"{name}: the correlation is undefined (NaN) for a constant `preds` or `target` column or fewer than 2 "
            "samples.",
            CalipersUserWarning,
            stacklevel=3,
        )
