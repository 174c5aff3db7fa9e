r"""Pearson correlation coefficient, from streaming co-moments.

.. math::
    r = \frac{\sum_i (x_i - \bar x)(y_i - \bar y)}{\sqrt{\sum_i (x_i - \bar x)^2 \sum_i (y_i - \bar y)^2}}

The sufficient statistics of a batch are its co-moments (count, means, centred second moments, co-moment, minima and
maxima; see :mod:`calipers.functional.regression._correlation`), computed in float64 and merged across batches,
objects and processes with the parallel algorithm of Chan et al.: any split of the samples gives the same value as one
pass. A constant column (or fewer than 2 samples) has no defined correlation: the value is NaN, with a
``CalipersUserWarning``, as in SciPy and TorchMetrics.
"""

from __future__ import annotations

from torch import Tensor

from calipers._checks import check_flag
from calipers.functional.regression._correlation import (
    batch_comoments,
    check_num_outputs,
    sanitized_comoments,
    warn_if_undefined,
)
from calipers.functional.regression._error_common import result_dtype

__all__ = ["pearson_corrcoef"]


def _pearson_arg_validation(name: str, num_outputs: int, validate_args: bool) -> None:
    """Check the options of the Pearson family."""
    check_num_outputs(name, num_outputs)
    check_flag(name, "validate_args", validate_args)


def _pearson_compute(moments: Tensor, name: str = "pearson_corrcoef") -> Tensor:
    """Correlation per output column from merged co-moments (NaN, with a warning, where undefined)."""
    _, _, _, m2x, m2y, cxy = sanitized_comoments(moments)
    corr = (cxy / (m2x.sqrt() * m2y.sqrt())).clamp(-1.0, 1.0)
    warn_if_undefined(name, corr)
    return corr


def _squeeze_single_output(value: Tensor) -> Tensor:
    return value[0] if value.shape[0] == 1 else value


def pearson_corrcoef(preds: Tensor, target: Tensor, *, validate_args: bool = True) -> Tensor:
    """Pearson product-moment correlation coefficient between ``preds`` and ``target``.

    Args:
        preds: predictions, shape ``(N,)`` or ``(N, d)`` (``d`` outputs, one correlation each); float or integer.
        target: targets, the same shape.
        validate_args: check that the values are finite (a host-device synchronisation); shapes are always checked.

    Returns:
        The correlation: a scalar for ``(N,)`` or ``(N, 1)`` inputs, else shape ``(d,)``; in the inputs' floating
        dtype (computed in float64). NaN, with a ``CalipersUserWarning``, for a constant column or ``N < 2``.

    Raises:
        TypeError: if an input is not a real tensor, or ``validate_args`` is not a bool.
        ValueError: if the shapes differ or are not ``(N,)``/``(N, d)``, or (``validate_args``) a value is NaN/inf.

    Example:
        >>> import torch
        >>> from calipers.functional.regression import pearson_corrcoef
        >>> pearson_corrcoef(torch.tensor([2.5, 0.0, 2.0, 8.0]), torch.tensor([3.0, -0.5, 2.0, 7.0]))
        tensor(0.9849)
    """
    name = "pearson_corrcoef"
    check_flag(name, "validate_args", validate_args)
    corr = _pearson_compute(batch_comoments(name, preds, target, None, validate_args), name)
    return _squeeze_single_output(corr).to(result_dtype(preds, target))
