"""Spearman's rank correlation coefficient: the Pearson correlation of the average ranks.

Every sample is needed to rank, so the class keeps ``cat`` states of the inputs and ranks once, at compute. Ties share
the average of their ranks, exactly (values are compared as they are; TorchMetrics and SciPy do the same). A constant
column (or fewer than 2 samples) has no defined correlation: the value is NaN, with a ``CalipersUserWarning``, as in
SciPy (TorchMetrics returns 0 there, an artefact of an epsilon in its denominator).
"""

from __future__ import annotations

import torch
from torch import Tensor

from calipers._checks import check_flag
from calipers.functional.regression._correlation import (
    check_correlation_pair,
    check_num_outputs,
    format_correlation_pair,
    warn_if_undefined,
)
from calipers.functional.regression._error_common import result_dtype
from calipers.functional.regression._ranks import centred_average_ranks, rank_dot, sort_rows, sortable_keys

__all__ = ["spearman_corrcoef"]


def _spearman_arg_validation(name: str, num_outputs: int, validate_args: bool) -> None:
    """Check the options of the Spearman family."""
    check_num_outputs(name, num_outputs)
    check_flag(name, "validate_args", validate_args)


def _spearman_tensor_validation(
    name: str, preds: Tensor, target: Tensor, num_outputs: int | None, validate_args: bool
) -> None:
    """Check the inputs: one shape, ``(N,)`` or ``(N, num_outputs)``, and (if ``validate_args``) finite values."""
    check_correlation_pair(name, preds, target, num_outputs, validate_args)


def _spearman_format(preds: Tensor, target: Tensor) -> tuple[Tensor, Tensor]:
    """View the inputs as ``(N, d)``."""
    return format_correlation_pair(preds, target)


def _spearman_update(preds: Tensor, target: Tensor) -> tuple[Tensor, Tensor]:
    """The samples themselves (``(N, d)`` each): ranks need all of them. Reduced by ``cat``."""
    return preds.detach(), target.detach()


def _spearman_compute(preds: Tensor, target: Tensor, name: str = "spearman_corrcoef") -> Tensor:
    """Correlation (float64, per output column) of the average ranks of all ``(N, d)`` samples.

    Every column of both inputs is sorted in one call (integer keys, rows sorted in parallel); the ranks are centred
    on their known mean, so the correlation is one dot product over their root sums of squares.
    """
    d = preds.shape[1]
    common = torch.promote_types(preds.dtype, target.dtype)
    keys = sortable_keys(torch.cat([preds.T, target.T]).to(common), owned=True)  # (2d, N)
    rows = sort_rows(keys)
    values = []
    for i in range(d):
        ranks_x, squares_x = centred_average_ranks(*rows[i])
        cross, squares_y = rank_dot(ranks_x, *rows[d + i])
        values.append(cross / (squares_x * squares_y).sqrt())
    corr = torch.stack(values).clamp(-1.0, 1.0)
    warn_if_undefined(name, corr)
    return corr


def spearman_corrcoef(preds: Tensor, target: Tensor, *, validate_args: bool = True) -> Tensor:
    """Spearman's rank correlation coefficient between ``preds`` and ``target`` (ties get average ranks).

    Args:
        preds: predictions, shape ``(N,)`` or ``(N, d)`` (``d`` outputs, one coefficient each); float or integer.
        target: targets, the same shape.
        validate_args: check that the values are finite (a host-device synchronisation); shapes are always checked.

    Returns:
        The coefficient: a scalar for ``(N,)`` inputs, else shape ``(d,)`` (``(1,)`` for ``(N, 1)``, as TorchMetrics);
        in the inputs' floating dtype. NaN, with a ``CalipersUserWarning``, for a constant column or ``N < 2``.

    Raises:
        TypeError: if an input is not a real tensor, or ``validate_args`` is not a bool.
        ValueError: if the shapes differ or are not ``(N,)``/``(N, d)``, or (``validate_args``) a value is NaN/inf.

    Example:
        >>> import torch
        >>> from calipers.functional.regression import spearman_corrcoef
        >>> spearman_corrcoef(torch.tensor([2.5, 0.0, 2.0, 8.0]), torch.tensor([3.0, -0.5, 2.0, 7.0]))
        tensor(1.)
    """
    name = "spearman_corrcoef"
    check_flag(name, "validate_args", validate_args)
    _spearman_tensor_validation(name, preds, target, None, validate_args)
    x, y = _spearman_format(preds, target)
    corr = _spearman_compute(*_spearman_update(x, y), name)
    return (corr[0] if preds.ndim == 1 else corr).to(result_dtype(preds, target))
