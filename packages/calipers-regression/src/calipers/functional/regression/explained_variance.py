r"""Explained variance: the functional form and the pipeline shared with the class.

.. math:: \text{EV} = 1 - \frac{\operatorname{Var}(y - \hat y)}{\operatorname{Var}(y)}

per output, combined by ``multioutput``. The sufficient statistics (float64, one value per output) are the sums
and sums of squares of the error and of the target, the minimum and maximum of each, and the count. A constant
target or error has a variance of exactly 0 (detected by its range); where ``Var(y) == 0`` the score is 1 if
``Var(y - ŷ) == 0`` too and 0 otherwise, as in scikit-learn.
"""

from __future__ import annotations

from typing import Any, Literal

import torch
from torch import Tensor

from calipers._checks import check_choice
from calipers.functional.regression._error_common import (
    MULTIOUTPUT_CHOICES,
    _average_outputs,
    _centered_sum_of_squares,
    _check_num_outputs,
    _column_min_max,
    _float_dtype,
    _forced_finite_score,
    _sum_of_squares,
)
from calipers.functional.regression.r2 import _r2_score_format, _r2_score_tensor_validation

__all__ = ["explained_variance"]

Multioutput = Literal["raw_values", "uniform_average", "variance_weighted"]
# The statistics of one batch, in the order of the states of ExplainedVariance.
EXPLAINED_VARIANCE_STATES = (
    "sum_error", "sum_squared_error", "min_error", "max_error",
    "sum_target", "sum_squared_target", "min_target", "max_target",
)  # fmt: skip


def _explained_variance_arg_validation(name: str, multioutput: Any, num_outputs: Any = None) -> None:
    """``multioutput`` among the three choices, ``num_outputs`` None or an int >= 1."""
    check_choice(name, "multioutput", multioutput, MULTIOUTPUT_CHOICES)
    _check_num_outputs(name, num_outputs, allow_none=True)


_explained_variance_tensor_validation = _r2_score_tensor_validation
_explained_variance_format = _r2_score_format


def _explained_variance_update(
    preds: Tensor, target: Tensor, stats_dtype: torch.dtype = torch.float64
) -> tuple[tuple[Tensor, ...], int]:
    """The batch statistics along dim 0 (order of :data:`EXPLAINED_VARIANCE_STATES`) and the number of samples.

    Sums and sums of squares (which cancel in the variances) are taken in ``stats_dtype`` (float64).
    """
    error = target - preds
    min_error, max_error = _column_min_max(error)
    min_target, max_target = _column_min_max(target)
    wide_error, wide_target = error.to(stats_dtype), target.to(stats_dtype)
    stats = (
        wide_error.sum(dim=0), _sum_of_squares(wide_error), min_error, max_error,
        wide_target.sum(dim=0), _sum_of_squares(wide_target), min_target, max_target,
    )  # fmt: skip
    return stats, preds.shape[0]


def _explained_variance_compute(stats: tuple[Tensor, ...], num_obs: Tensor | int, multioutput: str) -> Tensor:
    """Explained variance from the statistics; NaN without samples."""
    sum_e, sum_sq_e, min_e, max_e, sum_t, sum_sq_t, min_t, max_t = stats
    var_error = _centered_sum_of_squares(sum_e, sum_sq_e, num_obs, min_e, max_e) / num_obs
    var_target = _centered_sum_of_squares(sum_t, sum_sq_t, num_obs, min_t, max_t) / num_obs
    return _average_outputs(_forced_finite_score(var_error, var_target), var_target, multioutput)


def explained_variance(preds: Tensor, target: Tensor, multioutput: Multioutput = "uniform_average") -> Tensor:
    """Explained variance score.

    Args:
        preds: predictions of shape ``(N,)`` or ``(N, num_outputs)``.
        target: ground truth, the shape of ``preds``.
        multioutput: how scores of several outputs combine: ``"uniform_average"`` (mean), ``"raw_values"`` (one
            score per output) or ``"variance_weighted"`` (mean weighted by the variance of each target).

    Returns:
        A scalar (or one score per output with ``"raw_values"``) in the floating dtype of the inputs.

    Raises:
        TypeError: if an input is not a real tensor.
        ValueError: if the shapes differ or have more than 2 dimensions, or for an unknown ``multioutput``.

    Example:
        >>> import torch
        >>> from calipers.functional.regression import explained_variance
        >>> explained_variance(torch.tensor([2.5, 0.0, 2.0, 8.0]), torch.tensor([3.0, -0.5, 2.0, 7.0]))
        tensor(0.9572)
    """
    name = "explained_variance"
    _explained_variance_arg_validation(name, multioutput)
    _explained_variance_tensor_validation(name, preds, target)
    out_dtype = _float_dtype(preds, target)
    stats, num_obs = _explained_variance_update(*_explained_variance_format(preds, target))
    return _explained_variance_compute(stats, num_obs, multioutput).to(out_dtype)
