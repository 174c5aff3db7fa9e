r"""Normalized root mean squared error: the functional form and the pipeline shared with the class.

.. math:: \text{NRMSE} = \frac{\sqrt{\frac{1}{N}\sum_i (\hat y_i - y_i)^2}}{\text{norm}(y)}

where ``norm`` is the mean of the target (``"mean"``), its range ``max - min`` (``"range"``), its population
standard deviation (``"std"``) or its Euclidean norm :math:`\sqrt{\sum_i y_i^2}` (``"l2"``), over all samples seen.

The sufficient statistics (float64) are the sum of squared errors, the count, and what the normalization needs:
the sum of targets (mean, std), the sum of squared targets (std, l2) and the minimum and maximum target (range,
std: a constant target has a standard deviation of exactly 0). Sums add up, minima and maxima reduce as such, so
batches and processes combine exactly (TorchMetrics keeps a running mean and variance and full-state updates).
"""

from __future__ import annotations

from typing import Any, Literal

import torch
from torch import Tensor

from calipers._checks import check_choice, check_tensor_pair
from calipers.functional.regression._error_common import (
    _accumulation_dtype,
    _cast,
    _centered_sum_of_squares,
    _check_num_outputs,
    _check_outputs,
    _column_min_max,
    _float_dtype,
    _sum_of_squares,
)

__all__ = ["normalized_root_mean_squared_error"]

Normalization = Literal["mean", "range", "std", "l2"]
NORMALIZATIONS = ("l2", "mean", "range", "std")
# The statistics each normalization needs besides "sum_squared_error" and "total", with their reductions.
NORMALIZATION_STATES: dict[str, dict[str, str]] = {
    "mean": {"sum_target": "sum"},
    "range": {"min_target": "min", "max_target": "max"},
    "std": {"sum_target": "sum", "sum_squared_target": "sum", "min_target": "min", "max_target": "max"},
    "l2": {"sum_squared_target": "sum"},
}


def _normalized_root_mean_squared_error_arg_validation(name: str, normalization: Any, num_outputs: Any) -> None:
    """``normalization`` among the four choices, ``num_outputs`` an int >= 1."""
    check_choice(name, "normalization", normalization, NORMALIZATIONS)
    _check_num_outputs(name, num_outputs)


def _normalized_root_mean_squared_error_tensor_validation(name: str, preds: Any, target: Any, num_outputs: int) -> None:
    """Same shapes; ``(N, num_outputs)`` inputs when ``num_outputs > 1`` (any shape, flattened, otherwise)."""
    check_tensor_pair(name, preds, target)
    _check_outputs(name, preds, num_outputs, flatten_single=True)


def _normalized_root_mean_squared_error_format(
    preds: Tensor, target: Tensor, num_outputs: int
) -> tuple[Tensor, Tensor]:
    """Flatten single-output inputs and cast them to their floating dtype (at least float32)."""
    if num_outputs == 1:
        preds, target = preds.reshape(-1), target.reshape(-1)
    preds, target = _cast(_accumulation_dtype(_float_dtype(preds, target)), preds, target)
    return preds, target


def _normalized_root_mean_squared_error_update(
    preds: Tensor, target: Tensor, normalization: str, stats_dtype: torch.dtype = torch.float64
) -> tuple[dict[str, Tensor], int]:
    """The batch statistics by state name (see :data:`NORMALIZATION_STATES`), and the number of samples.

    The sums of the target and of its squares (which cancel in the standard deviation) are taken in
    ``stats_dtype`` (float64).
    """
    stats = {"sum_squared_error": _sum_of_squares(preds - target, stats_dtype)}
    needed = NORMALIZATION_STATES[normalization]
    wide = target.to(stats_dtype)
    if "sum_target" in needed:
        stats["sum_target"] = wide.sum(dim=0)
    if "sum_squared_target" in needed:
        stats["sum_squared_target"] = _sum_of_squares(wide)
    if "min_target" in needed:
        stats["min_target"], stats["max_target"] = _column_min_max(target)
    return stats, preds.shape[0]


def _normalized_root_mean_squared_error_compute(
    stats: dict[str, Tensor], total: Tensor | int, normalization: str
) -> Tensor:
    """NRMSE from the statistics; ``inf`` (or NaN) when the normalization is 0."""
    rmse = (stats["sum_squared_error"] / total).sqrt()
    if normalization == "mean":
        denom = stats["sum_target"] / total
    elif normalization == "range":
        denom = stats["max_target"] - stats["min_target"]
    elif normalization == "std":
        centered = _centered_sum_of_squares(
            stats["sum_target"], stats["sum_squared_target"], total, stats["min_target"], stats["max_target"]
        )
        denom = (centered / total).sqrt()
    else:
        denom = stats["sum_squared_target"].sqrt()
    return rmse / denom


def normalized_root_mean_squared_error(
    preds: Tensor, target: Tensor, normalization: Normalization = "mean", num_outputs: int = 1
) -> Tensor:
    """Root mean squared error divided by the mean, range, standard deviation or norm of the target.

    Args:
        preds: predictions, any shape with ``num_outputs == 1`` (flattened), else ``(N, num_outputs)``.
        target: ground truth, the shape of ``preds``.
        normalization: ``"mean"``, ``"range"``, ``"std"`` (population standard deviation) or ``"l2"``.
        num_outputs: number of outputs; with more than one, a value per output is returned.

    Returns:
        A scalar, or a tensor of shape ``(num_outputs,)``, in the floating dtype of the inputs.

    Raises:
        TypeError: if an input is not a real tensor or ``num_outputs`` is not an int.
        ValueError: for an unknown ``normalization``, ``num_outputs < 1``, or shapes that differ or do not match
            ``num_outputs``.

    Example:
        >>> import torch
        >>> from calipers.functional.regression import normalized_root_mean_squared_error
        >>> preds, target = torch.tensor([3.0, 5.0, 2.5, 7.0]), torch.tensor([2.5, 5.0, 4.0, 8.0])
        >>> normalized_root_mean_squared_error(preds, target, normalization="range")
        tensor(0.1701)
    """
    name = "normalized_root_mean_squared_error"
    _normalized_root_mean_squared_error_arg_validation(name, normalization, num_outputs)
    _normalized_root_mean_squared_error_tensor_validation(name, preds, target, num_outputs)
    out_dtype = _float_dtype(preds, target)
    preds, target = _normalized_root_mean_squared_error_format(preds, target, num_outputs)
    stats, total = _normalized_root_mean_squared_error_update(preds, target, normalization)
    return _normalized_root_mean_squared_error_compute(stats, total, normalization).to(out_dtype)
