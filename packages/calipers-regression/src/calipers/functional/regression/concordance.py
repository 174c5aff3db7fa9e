r"""Lin's concordance correlation coefficient, from the streaming co-moments of the Pearson family.

.. math::
    \rho_c = \frac{2 s_{xy}}{s_x^2 + s_y^2 + (\bar x - \bar y)^2}

with the sample (``n - 1``) variances and covariance, as in TorchMetrics. The co-moments are merged across batches,
objects and processes with the parallel algorithm of Chan et al. (see :mod:`calipers.functional.regression.pearson`).

Constant inputs: the formula stays defined as long as its denominator is positive, so a constant ``preds`` column
against a varying ``target`` gives 0 (TorchMetrics gives NaN there); the value is NaN, with a
``CalipersUserWarning``, only when ``preds`` and ``target`` are the same constant or there are fewer than 2 samples.
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

__all__ = ["concordance_corrcoef"]


def _concordance_arg_validation(name: str, num_outputs: int, validate_args: bool) -> None:
    """Check the options of the concordance family."""
    check_num_outputs(name, num_outputs)
    check_flag(name, "validate_args", validate_args)


def _concordance_compute(moments: Tensor, name: str = "concordance_corrcoef") -> Tensor:
    """Concordance per output column from merged co-moments (NaN, with a warning, where undefined)."""
    n, mean_x, mean_y, m2x, m2y, cxy = sanitized_comoments(moments)
    # 2 s_xy / (s_x^2 + s_y^2 + (mx - my)^2), multiplied through by (n - 1).
    ccc = (2.0 * cxy / (m2x + m2y + (n - 1.0) * (mean_x - mean_y) ** 2)).clamp(-1.0, 1.0)
    warn_if_undefined(name, ccc)
    return ccc


def concordance_corrcoef(preds: Tensor, target: Tensor, *, validate_args: bool = True) -> Tensor:
    """Lin's concordance correlation coefficient between ``preds`` and ``target``.

    Args:
        preds: predictions, shape ``(N,)`` or ``(N, d)`` (``d`` outputs, one coefficient each); float or integer.
        target: targets, the same shape.
        validate_args: check that the values are finite (a host-device synchronisation); shapes are always checked.

    Returns:
        The coefficient, shape ``(d,)``: ``(1,)`` for ``(N,)`` and ``(N, 1)`` inputs, as TorchMetrics' functional
        (the class :class:`~calipers.regression.ConcordanceCorrCoef` returns a scalar for one output); in the inputs'
        floating dtype (computed in float64). NaN, with a ``CalipersUserWarning``, when ``preds`` and ``target`` are
        the same constant or ``N < 2``.

    Raises:
        TypeError: if an input is not a real tensor, or ``validate_args`` is not a bool.
        ValueError: if the shapes differ or are not ``(N,)``/``(N, d)``, or (``validate_args``) a value is NaN/inf.

    Example:
        >>> import torch
        >>> from calipers.functional.regression import concordance_corrcoef
        >>> concordance_corrcoef(torch.tensor([2.5, 0.0, 2.0, 8.0]), torch.tensor([3.0, -0.5, 2.0, 7.0]))
        tensor([0.9777])
    """
    name = "concordance_corrcoef"
    check_flag(name, "validate_args", validate_args)
    ccc = _concordance_compute(batch_comoments(name, preds, target, None, validate_args), name)
    return ccc.to(result_dtype(preds, target))
