r"""Jensen-Shannon divergence of each row of ``p`` and ``q``, reduced over the rows (natural logarithm).

.. math::
    JS(P \| Q) = \tfrac12 D_{KL}(P \| M) + \tfrac12 D_{KL}(Q \| M), \qquad M = \tfrac12 (P + Q)

It is symmetric, bounded by :math:`\ln 2`, and its square root is SciPy's ``jensenshannon`` distance. Inputs follow
:mod:`calipers.functional.regression.kl_divergence`: weights (rows normalised) or, with ``log_prob``, normalised
log-probabilities; with ``validate_args`` a row that is not a distribution raises a ``ValueError``.
"""

from __future__ import annotations

import math
from typing import Literal

import torch
from torch import Tensor

from calipers.functional.regression._error_common import result_dtype
from calipers.functional.regression.kl_divergence import (
    _kl_divergence_arg_validation,
    _kl_divergence_compute,
    _kl_divergence_tensor_validation,
    _log_rel_entr,
    _normalise_rows,
    _rel_entr,
)

__all__ = ["jensen_shannon_divergence"]


def _js_divergence_arg_validation(name: str, log_prob: object, reduction: object, validate_args: object = True) -> None:
    """Check ``log_prob`` (a bool), ``reduction`` (``"mean"``, ``"none"``, ``"sum"`` or ``None``), ``validate_args``."""
    _kl_divergence_arg_validation(name, log_prob, reduction, validate_args)


def _js_divergence_tensor_validation(name: str, p: Tensor, q: Tensor, log_prob: bool, validate_args: bool) -> None:
    """Check the inputs: real ``(N, D)`` tensors of one shape, and (if ``validate_args``) distributions."""
    _kl_divergence_tensor_validation(name, p, q, log_prob, validate_args)


def _js_divergence_update(p: Tensor, q: Tensor, log_prob: bool) -> Tensor:
    """Sufficient statistics of one batch: the ``(N,)`` divergence of each row (summed or concatenated)."""
    dtype = result_dtype(p, q)
    p, q = p.to(dtype), q.to(dtype)
    if log_prob:
        both_zero = (p == -float("inf")) & (q == -float("inf"))  # logaddexp's gradient is NaN there: mask
        log_m = torch.logaddexp(torch.where(both_zero, 0.0, p), torch.where(both_zero, 0.0, q)) - math.log(2.0)
        return 0.5 * (_log_rel_entr(p, log_m) + _log_rel_entr(q, log_m)).sum(-1)
    p, q = _normalise_rows(p), _normalise_rows(q)
    m = 0.5 * (p + q)
    return 0.5 * (_rel_entr(p, m) + _rel_entr(q, m)).sum(-1)


def _js_divergence_compute(
    measures: Tensor, total: Tensor | int, reduction: Literal["mean", "sum", "none"] | None
) -> Tensor:
    """The value from the per-row divergences (``"none"``/``None``) or their sum and count (``"sum"``/``"mean"``)."""
    return _kl_divergence_compute(measures, total, reduction)


def jensen_shannon_divergence(
    p: Tensor,
    q: Tensor,
    log_prob: bool = False,
    reduction: Literal["mean", "sum", "none"] | None = "mean",
    *,
    validate_args: bool = True,
) -> Tensor:
    """Jensen-Shannon divergence of each row of ``p`` and ``q``, reduced over the rows.

    Args:
        p: distributions (one per row), shape ``(N, D)``: weights, or log-probabilities if ``log_prob``.
        q: distributions, the same shape.
        log_prob: the inputs are log-probabilities (rows not re-normalised) instead of weights (rows normalised).
        reduction: ``"mean"`` (default) or ``"sum"`` over the rows, or ``"none"``/``None`` for the ``(N,)`` values.
        validate_args: check that every row is a distribution (a host-device synchronisation); shapes are always
            checked.

    Returns:
        A scalar (``"mean"``, ``"sum"``) or a ``(N,)`` tensor, in the inputs' floating dtype; each row's value lies
        in ``[0, ln 2]``.

    Raises:
        TypeError: if an input is not a real tensor, or ``log_prob``/``validate_args`` is not a bool.
        ValueError: for an unknown ``reduction``, shapes that differ or are not 2-d, or (``validate_args``) a row
            that is not a distribution.

    Example:
        >>> import torch
        >>> from calipers.functional.regression import jensen_shannon_divergence
        >>> p = torch.tensor([[0.36, 0.48, 0.16]])
        >>> q = torch.tensor([[1 / 3, 1 / 3, 1 / 3]])
        >>> jensen_shannon_divergence(p, q)
        tensor(0.0225)
    """
    name = "jensen_shannon_divergence"
    _js_divergence_arg_validation(name, log_prob, reduction, validate_args)
    _js_divergence_tensor_validation(name, p, q, log_prob, validate_args)
    measures = _js_divergence_update(p, q, log_prob)
    return _js_divergence_compute(measures, measures.shape[0], reduction)
