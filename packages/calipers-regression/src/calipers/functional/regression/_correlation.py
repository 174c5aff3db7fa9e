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

import math
import warnings

import torch
from torch import Tensor

from calipers._checks import check_finite, check_int, check_tensor
from calipers.exceptions import CalipersUserWarning
from calipers.utilities.data import dim_zero_cat

__all__ = [
    "N_ROWS",
    "cat_pair_states",
    "check_correlation_pair",
    "batch_comoments",
    "check_finite_comoments",
    "check_num_outputs",
    "comoments",
    "empty_comoments",
    "format_correlation_pair",
    "merge_comoments",
    "merge_pair",
    "sanitized_comoments",
    "warn_if_undefined",
]

N_ROWS = 10
_PYTHON_MERGE_MAX = 8  # up to this many output columns, merge_pair works in Python floats on the CPU
_N, _MX, _MY, _M2X, _M2Y, _CXY, _MINX, _MAXX, _MINY, _MAXY = range(N_ROWS)


def check_num_outputs(name: str, num_outputs: object) -> None:
    """Raise unless ``num_outputs`` is a positive int (``TypeError`` for a non-int, ``ValueError`` for < 1)."""
    check_int(name, "num_outputs", num_outputs, 1, expectation="a positive int")


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
    p = check_tensor(name, "preds", check_tensor(name, "preds", preds, "any"), "number")
    t = check_tensor(name, "target", check_tensor(name, "target", target, "any"), "number")
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
    """Co-moments ``(10, d)`` of one batch of ``(N, d)`` inputs, computed in ``dtype`` with centred (two-pass) sums.

    Each input is copied once into ``dtype`` and centred in place; the centred sums are dot products (no product
    temporaries), and the extremes are read from the inputs as they are (exact in any dtype).
    """
    n, d = x.shape
    if n == 0:
        return empty_comoments(d, dtype, x.device)
    dx = x.to(dtype, copy=True)
    mean_x = dx.mean(0)
    dx.sub_(mean_x)
    dy = y.to(dtype, copy=True)
    mean_y = dy.mean(0)
    dy.sub_(mean_y)
    if d == 1:
        a, b = dx.view(-1), dy.view(-1)
        m2x, m2y, cxy = torch.dot(a, a).view(1), torch.dot(b, b).view(1), torch.dot(a, b).view(1)
    else:
        m2x, m2y, cxy = (torch.linalg.vecdot(u, v, dim=0) for u, v in ((dx, dx), (dy, dy), (dx, dy)))
    if d == 1:  # a reduction over dim 0 of an (N, 1) tensor is many times slower than over the flat (N,)
        low_x, high_x = (v.view(1) for v in torch.aminmax(x.reshape(-1)))
        low_y, high_y = (v.view(1) for v in torch.aminmax(y.reshape(-1)))
    else:
        low_x, high_x = torch.aminmax(x, dim=0)
        low_y, high_y = torch.aminmax(y, dim=0)
    count = torch.full_like(mean_x, float(n))
    return torch.stack(
        [count, mean_x, mean_y, m2x, m2y, cxy, low_x.to(dtype), high_x.to(dtype), low_y.to(dtype), high_y.to(dtype)]
    )


def batch_comoments(
    name: str,
    preds: object,
    target: object,
    num_outputs: int | None,
    validate_args: bool,
    dtype: torch.dtype = torch.float64,
) -> Tensor:
    """Check a pair of inputs (as :func:`check_correlation_pair`) and return their co-moments ``(10, d)``.

    The finiteness check (``validate_args``) is read off the batch's extremes instead of scanning the inputs again.
    """
    check_correlation_pair(name, preds, target, num_outputs, validate_args=False)
    x, y = format_correlation_pair(preds, target)  # type: ignore[arg-type]
    moments = comoments(x, y, dtype)
    if validate_args:
        check_finite_comoments(name, moments, x, y)
    return moments


def check_finite_comoments(name: str, moments: Tensor, preds: Tensor, target: Tensor) -> None:
    """Raise a ``ValueError`` if a batch held NaN or inf, read off its extremes (NaN and inf reach them).

    One host synchronisation on ``4 d`` numbers; only a bad batch is scanned again, to count the bad values.
    """
    if not bool(torch.isfinite(moments[_MINX:]).all()):
        check_finite(name, "preds", preds)
        check_finite(name, "target", target)


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


def merge_pair(state: Tensor, batch: Tensor) -> Tensor:
    """``merge_comoments`` of two co-moment tensors ``(10, d)``: the running state and one batch.

    A few columns on the CPU are merged in Python floats (the same double-precision arithmetic, in the pairwise form
    of Chan et al.): a dozen tensor operations on ten numbers cost many times more in dispatch than the arithmetic.
    Inputs that carry gradients (a differentiable ``forward``) take the tensor path.
    """
    if not state.is_cpu or state.shape[1] > _PYTHON_MERGE_MAX or state.requires_grad or batch.requires_grad:
        return merge_comoments(torch.stack([state, batch]))
    columns = [_merge_column(a, b) for a, b in zip(state.T.tolist(), batch.T.tolist())]
    return torch.tensor(columns, dtype=state.dtype).T.contiguous()


def _extreme(a: float, b: float, smaller: bool) -> float:
    if a != a or b != b:  # NaN wins, as in torch.minimum/maximum
        return math.nan
    return (a if a <= b else b) if smaller else (a if a >= b else b)


def _merge_column(a: list[float], b: list[float]) -> list[float]:
    """Merge the co-moments of one output column (lists in the row order of :data:`N_ROWS`)."""
    na, nb = a[_N], b[_N]
    extremes = [
        _extreme(a[_MINX], b[_MINX], True),
        _extreme(a[_MAXX], b[_MAXX], False),
        _extreme(a[_MINY], b[_MINY], True),
        _extreme(a[_MAXY], b[_MAXY], False),
    ]
    if na == 0 or nb == 0:
        kept = b if na == 0 else a
        return [*kept[:_MINX], *extremes]
    n = na + nb
    dx, dy = b[_MX] - a[_MX], b[_MY] - a[_MY]
    share, weight = nb / n, na * nb / n
    return [
        n,
        a[_MX] + dx * share,
        a[_MY] + dy * share,
        a[_M2X] + b[_M2X] + dx * dx * weight,
        a[_M2Y] + b[_M2Y] + dy * dy * weight,
        a[_CXY] + b[_CXY] + dx * dy * weight,
        *extremes,
    ]


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
