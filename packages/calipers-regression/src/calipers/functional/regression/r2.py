r"""Coefficient of determination (R²): the functional form and the pipeline shared with the class.

.. math:: R^2 = 1 - \frac{\sum_i (y_i - \hat y_i)^2}{\sum_i (y_i - \bar y)^2}, \qquad
    R^2_{adj} = 1 - (1 - R^2) \frac{N - 1}{N - k - 1}

with ``k = adjusted`` independent regressors. The sufficient statistics (float64, one value per output) are the
residual sum of squares, the sum and the sum of squares of the target, its minimum and maximum, and the count.
The total sum of squares :math:`\sum y^2 - (\sum y)^2 / N` is exactly 0 for a constant target (detected by its
range), where the score follows scikit-learn: 1 for perfect predictions, else 0. TorchMetrics instead treats any
sum of squares below ``1e-4`` as zero, whatever the scale of the data.
"""

from __future__ import annotations

import warnings
from typing import Any

import torch
from torch import Tensor

from calipers._checks import check_choice, check_int, check_tensor_pair
from calipers.exceptions import CalipersUserWarning
from calipers.functional.regression._error_common import (
    MULTIOUTPUT_CHOICES,
    _accumulation_dtype,
    _average_outputs,
    _cast,
    _centered_sum_of_squares,
    _check_num_outputs,
    _check_one_or_two_dims,
    _check_outputs,
    _column_min_max,
    _float_dtype,
    _forced_finite_score,
    _sum_of_squares,
)

__all__ = ["r2_score"]

# The statistics of one batch, in the order of the states of R2Score and RelativeSquaredError.
R2_STATES = ("sum_target", "sum_squared_target", "residual_sum_squares", "min_target", "max_target")


def _r2_score_arg_validation(name: str, adjusted: Any, multioutput: Any, num_outputs: Any = None) -> None:
    """``adjusted`` an int >= 0, ``multioutput`` among the three choices, ``num_outputs`` None or an int >= 1."""
    check_int(name, "adjusted", adjusted, 0)
    check_choice(name, "multioutput", multioutput, MULTIOUTPUT_CHOICES)
    _check_num_outputs(name, num_outputs, allow_none=True)


def _r2_score_tensor_validation(name: str, preds: Any, target: Any, num_outputs: int | None = None) -> None:
    """Same shapes, ``(N,)`` or ``(N, k)``; with ``num_outputs``, ``k`` must equal it."""
    check_tensor_pair(name, preds, target)
    _check_one_or_two_dims(name, preds)
    if num_outputs is not None:
        _check_outputs(name, preds, num_outputs, flatten_single=False)


def _r2_score_format(preds: Tensor, target: Tensor) -> tuple[Tensor, Tensor]:
    """``(N, 1)`` inputs become ``(N,)``; cast to the inputs' floating dtype (at least float32)."""
    dtype = target.dtype
    if preds.dtype is dtype and (dtype is torch.float32 or dtype is torch.float64) and preds.ndim == 1:
        return preds, target  # the common case: nothing to do
    if preds.ndim == 2 and preds.shape[1] == 1:
        preds, target = preds.reshape(-1), target.reshape(-1)
    preds, target = _cast(_accumulation_dtype(_float_dtype(preds, target)), preds, target)
    return preds, target


def _r2_score_update(
    preds: Tensor, target: Tensor, stats_dtype: torch.dtype = torch.float64
) -> tuple[tuple[Tensor, ...], int]:
    """The batch statistics along dim 0 (in the order of :data:`R2_STATES`) and the number of samples.

    The sums of the target and of its squares, which cancel in the total sum of squares, are taken in
    ``stats_dtype`` (float64); the residual sum of squares and the extremes need no more than the inputs' precision
    (1-D inputs get the residual in ``stats_dtype`` too, at no extra cost).
    """
    n = target.shape[0]
    if _sums_1d_apply(preds, target):
        return _r2_score_update_1d(preds, target, stats_dtype), n
    residual = target - preds
    min_target, max_target = _column_min_max(target)
    wide = target.to(stats_dtype)
    stats = (wide.sum(dim=0), _sum_of_squares(wide), _sum_of_squares(residual, stats_dtype), min_target, max_target)
    return stats, preds.shape[0]


def _sums_1d_apply(preds: Tensor, target: Tensor) -> bool:
    """Whether :func:`r2_sums_1d` serves these (formatted) inputs: 1-D, not empty, on the CPU, no gradients."""
    return (
        target.ndim == 1
        and target.shape[0] > 0
        and target.is_cpu
        and target.dtype in (torch.float32, torch.float64)
        and preds.dtype == target.dtype
        and not (preds.requires_grad or target.requires_grad)
    )


def _r2_score_update_1d(preds: Tensor, target: Tensor, stats_dtype: torch.dtype) -> tuple[Tensor, ...]:
    """:func:`_r2_score_update` of 1-D CPU inputs, through :func:`r2_sums_1d`."""
    total, squares, residual, low, high = r2_sums_1d(preds, target)
    sums = torch.tensor([total, squares, residual], dtype=stats_dtype)
    return sums[0], sums[1], sums[2], low, high


def r2_sums_1d(preds: Tensor, target: Tensor) -> tuple[float, float, float, Tensor, Tensor]:
    """``(sum t, sum t^2, sum (t - p)^2)`` as Python floats and ``(min t, max t)`` of 1-D CPU inputs of one dtype.

    Five passes in the inputs' own dtype and one temporary. The target is shifted by its minimum ``m``
    (``c = t - m``: exact near ``m``, and relative to the small ``c`` elsewhere), and the raw sums are rebuilt in
    double precision, ``sum t = sum c + n m`` and ``sum t^2 = sum c^2 + 2 m sum c + n m^2``: the total sum of squares
    then carries the rounding of the small centred values, never the cancellation of raw squares. A constant target
    gives ``c = 0`` exactly.
    """
    n = target.shape[0]
    low, high = torch.aminmax(target)
    shift = low.item()
    buf = target - shift
    centred, centred_squares = buf.sum().item(), torch.dot(buf, buf).item()
    torch.sub(target, preds, out=buf)
    residual = torch.dot(buf, buf).item()
    total = centred + n * shift
    squares = centred_squares + 2.0 * shift * centred + n * shift * shift
    return total, squares, residual, low, high


def _r2_score_compute(
    stats: tuple[Tensor, ...], num_obs: Tensor | int, adjusted: int, multioutput: str, name: str = "r2_score"
) -> Tensor:
    """R² from the statistics (see :func:`r2_score`); synchronises to read the number of samples."""
    n = int(num_obs)
    if n < 2:
        raise ValueError(f"{name}: the R2 score needs at least 2 samples, got {n!r}.")
    sum_target, sum_squared_target, rss, min_target, max_target = stats
    tss = _centered_sum_of_squares(sum_target, sum_squared_target, n, min_target, max_target)
    r2 = _average_outputs(_forced_finite_score(rss, tss), tss, multioutput)
    if adjusted == 0:
        return r2
    if adjusted >= n - 1:
        reason = "a division by zero" if adjusted == n - 1 else "more regressors than samples"
        warnings.warn(
            f"{name}: `adjusted` ({adjusted}) with {n} samples gives {reason} in the adjusted R2 score; "
            "the standard R2 score is returned.",
            CalipersUserWarning,
            stacklevel=3,
        )
        return r2
    return 1 - (1 - r2) * (n - 1) / (n - adjusted - 1)


def r2_score(preds: Tensor, target: Tensor, adjusted: int = 0, multioutput: str = "uniform_average") -> Tensor:
    """Coefficient of determination (R²), optionally adjusted for the number of regressors.

    Args:
        preds: predictions of shape ``(N,)`` or ``(N, num_outputs)``.
        target: ground truth, the shape of ``preds``.
        adjusted: number of independent regressors ``k`` of the adjusted R²; 0 gives the standard R². When
            ``k >= N - 1`` the adjusted score is undefined: a warning is given and the standard score returned.
        multioutput: how scores of several outputs combine: ``"uniform_average"`` (mean), ``"raw_values"`` (one
            score per output) or ``"variance_weighted"`` (mean weighted by the variance of each target).

    Returns:
        A scalar (or one score per output with ``"raw_values"``) in the floating dtype of the inputs.

    Raises:
        TypeError: if an input is not a real tensor or ``adjusted`` is not an int.
        ValueError: if the shapes differ or have more than 2 dimensions, for fewer than 2 samples, a negative
            ``adjusted`` or an unknown ``multioutput``.

    Example:
        >>> import torch
        >>> from calipers.functional.regression import r2_score
        >>> r2_score(torch.tensor([2.5, 0.0, 2.0, 8.0]), torch.tensor([3.0, -0.5, 2.0, 7.0]))
        tensor(0.9486)
    """
    name = "r2_score"
    _r2_score_arg_validation(name, adjusted, multioutput)
    _r2_score_tensor_validation(name, preds, target)
    out_dtype = _float_dtype(preds, target)
    stats, num_obs = _r2_score_update(*_r2_score_format(preds, target))
    return _r2_score_compute(stats, num_obs, adjusted, multioutput, name).to(out_dtype)
