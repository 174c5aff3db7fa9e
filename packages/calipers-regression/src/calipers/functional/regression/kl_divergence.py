r"""Kullback-Leibler divergence :math:`D_{KL}(P \| Q) = \sum_k p_k \log(p_k / q_k)` of each row, reduced over rows.

``p`` and ``q`` hold one distribution per row, shape ``(N, D)``:

* ``log_prob=False``: non-negative weights, each row normalised to sum 1 (as ``scipy.stats.entropy`` does); a zero
  ``p_k`` contributes 0, a zero ``q_k`` facing a positive ``p_k`` makes the divergence ``inf``;
* ``log_prob=True``: log-probabilities, each row's ``logsumexp`` must be 0 (they are not re-normalised); ``-inf``
  is a zero probability.

With ``validate_args`` (the default) a row that is not a distribution raises a ``ValueError``: NaN or inf (``+inf``
for log-probabilities), negative weights, an all-zero row, or log-probabilities that do not sum to 1. TorchMetrics
checks none of this and returns NaN or a meaningless number instead.
"""

from __future__ import annotations

from typing import Literal

import torch
from torch import Tensor

from calipers._checks import check_finite, check_flag, check_tensor_pair
from calipers.functional.regression._error_common import result_dtype

__all__ = ["kl_divergence"]

_REDUCTIONS = ("mean", "none", "sum")


def _check_distribution(name: str, arg: str, x: Tensor, log_prob: bool) -> None:
    """Raise a ``ValueError`` unless every row of ``x`` is a distribution (see the module docstring)."""
    if log_prob:
        bad = int((torch.isnan(x) | (x == float("inf"))).sum()) if x.is_floating_point() else 0
        if bad:
            raise ValueError(f"{name}: `{arg}` must hold log-probabilities, got {bad} NaN or +inf value(s).")
        dtype = x.dtype if x.is_floating_point() else torch.get_default_dtype()
        tol = max(1e-4, 16 * torch.finfo(dtype).eps)
        lse = torch.logsumexp(x.to(torch.float64), dim=-1)
        off = (lse.abs() > tol).nonzero()
        if off.numel():
            worst = float(lse[off[0, 0]])
            raise ValueError(
                f"{name}: `{arg}` must hold normalised log-probabilities (each row's logsumexp 0) with log_prob=True, "
                f"got {off.numel()} row(s) off, e.g. logsumexp {worst:.6g}."
            )
        return
    check_finite(name, arg, x)
    negative = int((x < 0).sum())
    if negative:
        raise ValueError(f"{name}: `{arg}` must be non-negative, got {negative} negative value(s).")
    empty = int((x.sum(-1) == 0).sum())
    if empty:
        raise ValueError(f"{name}: `{arg}` must have a positive sum in every row, got {empty} all-zero row(s).")


def _rel_entr(p: Tensor, q: Tensor) -> Tensor:
    """Elementwise ``p log(p / q)``: 0 where ``p = 0``, ``inf`` where ``p > 0 = q``; NaN-free gradients."""
    positive = p > 0
    p_safe = torch.where(positive, p, 1.0)
    q_safe = torch.where(positive, q, 1.0)
    return torch.where(positive, p_safe * (p_safe.log() - q_safe.log()), 0.0)


def _log_rel_entr(log_p: Tensor, log_q: Tensor) -> Tensor:
    """Elementwise ``exp(log_p) (log_p - log_q)``: 0 where ``log_p = -inf``; NaN-free gradients."""
    finite = log_p > -float("inf")
    lp = torch.where(finite, log_p, 0.0)
    lq = torch.where(finite, log_q, 0.0)
    return torch.where(finite, lp.exp() * (lp - lq), 0.0)


def _normalise_rows(x: Tensor) -> Tensor:
    """Divide each row by its sum."""
    return x / x.sum(-1, keepdim=True)


def _kl_divergence_arg_validation(name: str, log_prob: object, reduction: object, validate_args: object = True) -> None:
    """Check ``log_prob`` (a bool), ``reduction`` (``"mean"``, ``"none"``, ``"sum"`` or ``None``), ``validate_args``."""
    check_flag(name, "log_prob", log_prob)
    if reduction is not None and reduction not in _REDUCTIONS:
        raise ValueError(f"{name}: `reduction` must be one of {list(_REDUCTIONS)} or None, got {reduction!r}.")
    check_flag(name, "validate_args", validate_args)


def _kl_divergence_tensor_validation(name: str, p: Tensor, q: Tensor, log_prob: bool, validate_args: bool) -> None:
    """Check the inputs: real ``(N, D)`` tensors of one shape, and (if ``validate_args``) distributions."""
    check_tensor_pair(name, p, q, ("p", "q"), "number", ndim=2)
    if validate_args:
        _check_distribution(name, "p", p, log_prob)
        _check_distribution(name, "q", q, log_prob)


def _kl_divergence_update(p: Tensor, q: Tensor, log_prob: bool) -> Tensor:
    """Sufficient statistics of one batch: the ``(N,)`` divergence of each row (summed or concatenated)."""
    dtype = result_dtype(p, q)
    p, q = p.to(dtype), q.to(dtype)
    if log_prob:
        return _log_rel_entr(p, q).sum(-1)
    return _rel_entr(_normalise_rows(p), _normalise_rows(q)).sum(-1)


def _kl_divergence_compute(
    measures: Tensor, total: Tensor | int, reduction: Literal["mean", "sum", "none"] | None
) -> Tensor:
    """The value from the per-row divergences (``"none"``/``None``) or their sum and count (``"sum"``/``"mean"``)."""
    if reduction == "sum":
        return measures.sum()
    if reduction == "mean":
        return measures.sum() / total
    return measures


def kl_divergence(
    p: Tensor,
    q: Tensor,
    log_prob: bool = False,
    reduction: Literal["mean", "sum", "none"] | None = "mean",
    *,
    validate_args: bool = True,
) -> Tensor:
    """Kullback-Leibler divergence ``KL(p || q)`` of each row of ``p`` and ``q``, reduced over the rows.

    Args:
        p: the distributions (one per row), shape ``(N, D)``: weights, or log-probabilities if ``log_prob``.
        q: the reference distributions, the same shape.
        log_prob: the inputs are log-probabilities (rows not re-normalised) instead of weights (rows normalised).
        reduction: ``"mean"`` (default) or ``"sum"`` over the rows, or ``"none"``/``None`` for the ``(N,)`` values.
        validate_args: check that every row is a distribution (a host-device synchronisation); shapes are always
            checked.

    Returns:
        A scalar (``"mean"``, ``"sum"``) or a ``(N,)`` tensor, in the inputs' floating dtype.

    Raises:
        TypeError: if an input is not a real tensor, or ``log_prob``/``validate_args`` is not a bool.
        ValueError: for an unknown ``reduction``, shapes that differ or are not 2-d, or (``validate_args``) a row
            that is not a distribution.

    Example:
        >>> import torch
        >>> from calipers.functional.regression import kl_divergence
        >>> p = torch.tensor([[0.36, 0.48, 0.16]])
        >>> q = torch.tensor([[1 / 3, 1 / 3, 1 / 3]])
        >>> kl_divergence(p, q)
        tensor(0.0853)
    """
    name = "kl_divergence"
    _kl_divergence_arg_validation(name, log_prob, reduction, validate_args)
    _kl_divergence_tensor_validation(name, p, q, log_prob, validate_args)
    measures = _kl_divergence_update(p, q, log_prob)
    return _kl_divergence_compute(measures, measures.shape[0], reduction)
