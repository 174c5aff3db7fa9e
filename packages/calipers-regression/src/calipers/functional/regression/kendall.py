r"""Kendall's rank correlation coefficient (tau), variants a, b and c, with an optional asymptotic test.

With :math:`C` concordant pairs, :math:`D` discordant pairs, :math:`n_0 = n(n-1)/2`, :math:`n_1`/:math:`n_2` the pairs
tied in ``preds``/``target`` and :math:`m` the smaller number of distinct values of the two:

.. math::
    \tau_a = \frac{C - D}{C + D}, \qquad
    \tau_b = \frac{C - D}{\sqrt{(n_0 - n_1)(n_0 - n_2)}}, \qquad
    \tau_c = \frac{2 (C - D)}{n^2 (m - 1) / m}

:math:`\tau_a` follows TorchMetrics' definition, :math:`(C - D) / (C + D)`, which equals the textbook
:math:`(C - D) / n_0` only when there are no ties. :math:`\tau_b` and :math:`\tau_c` are SciPy's ``kendalltau``
variants. The test (``t_test=True``) is the normal approximation of :math:`S = C - D`: with the tie-corrected
variance of SciPy's ``method="asymptotic"`` for variants b and c, and the no-ties variance
:math:`n(n-1)(2n+5)/18` for variant a (as in TorchMetrics). The p-value is NaN for fewer than 3 samples.

The class keeps ``cat`` states and counts pairs once, at compute, in O(n log n) work and O(n) memory per output:
after sorting by (``preds``, ``target``), :math:`D` is the number of strict inversions of the ``target`` ranks
(counted by a vectorised radix partition, see :func:`calipers.functional.regression._ranks.count_inversions`), and
:math:`C = n_0 - n_1 - n_2 + n_3 - D` with :math:`n_3` the pairs tied in both. Ties are exact. An undefined tau
(a constant column, fewer than 2 samples) is NaN, with a ``CalipersUserWarning``.
"""

from __future__ import annotations

from typing import Literal

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
from calipers.functional.regression._ranks import count_inversions, dense_ranks, tie_group_sizes

__all__ = ["kendall_rank_corrcoef"]

_VARIANTS = ("a", "b", "c")
_ALTERNATIVES = ("greater", "less", "two-sided")


def _kendall_arg_validation(
    name: str,
    variant: object,
    t_test: object,
    alternative: object,
    num_outputs: object = None,
    validate_args: object = True,
) -> None:
    """Check the options: ``variant``, ``t_test``, ``alternative`` (required with ``t_test``), ``num_outputs``."""
    if num_outputs is not None:
        check_num_outputs(name, num_outputs)
    if variant not in _VARIANTS:
        raise ValueError(f"{name}: `variant` must be one of {list(_VARIANTS)}, got {variant!r}.")
    check_flag(name, "t_test", t_test)
    check_flag(name, "validate_args", validate_args)
    if alternative is None:
        if t_test:
            raise ValueError(
                f"{name}: `alternative` must be one of {list(_ALTERNATIVES)} when `t_test` is True, got None."
            )
    elif alternative not in _ALTERNATIVES:
        raise ValueError(f"{name}: `alternative` must be one of {list(_ALTERNATIVES)} or None, got {alternative!r}.")


def _kendall_tensor_validation(
    name: str, preds: Tensor, target: Tensor, num_outputs: int | None, validate_args: bool
) -> None:
    """Check the inputs: one shape, ``(N,)`` or ``(N, num_outputs)``, and (if ``validate_args``) finite values."""
    check_correlation_pair(name, preds, target, num_outputs, validate_args)


def _kendall_format(preds: Tensor, target: Tensor) -> tuple[Tensor, Tensor]:
    """View the inputs as ``(N, d)``."""
    return format_correlation_pair(preds, target)


def _kendall_update(preds: Tensor, target: Tensor) -> tuple[Tensor, Tensor]:
    """The samples themselves (``(N, d)`` each): pairs need all of them. Reduced by ``cat``."""
    return preds.detach(), target.detach()


def _pairs(sizes: Tensor) -> Tensor:
    return (sizes * (sizes - 1) // 2).sum(1)


def _tie_variance_terms(sizes: Tensor) -> tuple[Tensor, Tensor, Tensor]:
    t = sizes.to(torch.float64)
    return (t * (t - 1) * (2 * t + 5)).sum(1), (t * (t - 1) * (t - 2)).sum(1), (t * (t - 1)).sum(1)


def _kendall_compute(
    preds: Tensor,
    target: Tensor,
    variant: Literal["a", "b", "c"] = "b",
    t_test: bool = False,
    alternative: Literal["two-sided", "less", "greater"] | None = "two-sided",
    name: str = "kendall_rank_corrcoef",
) -> Tensor | tuple[Tensor, Tensor]:
    """Tau (float64, per output column) of all ``(N, d)`` samples, and the p-value if ``t_test``."""
    x_rank = dense_ranks(preds.T)
    y_rank = dense_ranks(target.T)
    n = x_rank.shape[1]
    joint, order = (x_rank * n + y_rank).sort(dim=1)
    discordant = count_inversions(y_rank.gather(1, order))
    joint_new = torch.ones_like(joint, dtype=torch.bool)
    joint_new[:, 1:] = joint[:, 1:] != joint[:, :-1]
    x_ties, y_ties = tie_group_sizes(x_rank), tie_group_sizes(y_rank)
    n0 = n * (n - 1) // 2
    n1, n2 = _pairs(x_ties), _pairs(y_ties)
    concordant = n0 - n1 - n2 + _pairs(tie_group_sizes(joint_new.cumsum(1) - 1)) - discordant
    s = (concordant - discordant).to(torch.float64)
    if variant == "a":
        tau = s / (concordant + discordant)
    elif variant == "b":
        tau = s / ((n0 - n1).to(torch.float64) * (n0 - n2)).sqrt()
    else:
        m = torch.minimum((x_ties > 0).sum(1), (y_ties > 0).sum(1)).to(torch.float64)
        tau = 2.0 * s * m / (float(n) ** 2 * (m - 1.0))
    tau = tau.clamp(-1.0, 1.0)
    warn_if_undefined(name, tau)
    if not t_test:
        return tau
    nf = float(n)
    if variant == "a":
        var = torch.full_like(s, nf * (nf - 1) * (2 * nf + 5) / 18)
    else:
        vx, x3, x2 = _tie_variance_terms(x_ties)
        vy, y3, y2 = _tie_variance_terms(y_ties)
        var = (nf * (nf - 1) * (2 * nf + 5) - vx - vy) / 18
        if n > 2:
            var = var + x3 * y3 / (9 * nf * (nf - 1) * (nf - 2)) + x2 * y2 / (2 * nf * (nf - 1))
    z = s / var.sqrt()
    if alternative == "less":
        p_value = torch.special.ndtr(z)
    elif alternative == "greater":
        p_value = torch.special.ndtr(-z)
    else:
        p_value = 2.0 * torch.special.ndtr(-z.abs())
    if n < 3:
        p_value = torch.full_like(p_value, float("nan"))
    return tau, p_value


def kendall_rank_corrcoef(
    preds: Tensor,
    target: Tensor,
    variant: Literal["a", "b", "c"] = "b",
    t_test: bool = False,
    alternative: Literal["two-sided", "less", "greater"] | None = "two-sided",
    *,
    validate_args: bool = True,
) -> Tensor | tuple[Tensor, Tensor]:
    """Kendall's rank correlation coefficient (tau) between ``preds`` and ``target``, and optionally its p-value.

    Args:
        preds: predictions, shape ``(N,)`` or ``(N, d)`` (``d`` outputs, one tau each); float or integer.
        target: targets, the same shape.
        variant: ``"a"``, ``"b"`` (tie-corrected, the default) or ``"c"`` (Stuart's), see the module docstring.
        t_test: also return the p-value of the asymptotic test of no association.
        alternative: the alternative hypothesis of the test: ``"two-sided"`` (tau != 0), ``"less"`` (tau < 0) or
            ``"greater"`` (tau > 0); required when ``t_test`` is True.
        validate_args: check that the values are finite (a host-device synchronisation); shapes are always checked.

    Returns:
        Tau, a scalar for ``(N,)`` or ``(N, 1)`` inputs, else shape ``(d,)``, in the inputs' floating dtype; with
        ``t_test``, the tuple ``(tau, p_value)``. Tau is NaN, with a ``CalipersUserWarning``, where undefined.

    Raises:
        TypeError: if an input is not a real tensor, or ``t_test``/``validate_args`` is not a bool.
        ValueError: for an unknown ``variant`` or ``alternative``, ``alternative=None`` with ``t_test``, shapes that
            differ or are not ``(N,)``/``(N, d)``, or (``validate_args``) NaN/inf values.

    Example:
        >>> import torch
        >>> from calipers.functional.regression import kendall_rank_corrcoef
        >>> preds, target = torch.tensor([2.5, 0.0, 2.0, 8.0]), torch.tensor([3.0, -0.5, 2.0, 1.0])
        >>> kendall_rank_corrcoef(preds, target, t_test=True, alternative="greater")
        (tensor(0.3333), tensor(0.2485))
    """
    name = "kendall_rank_corrcoef"
    _kendall_arg_validation(name, variant, t_test, alternative, None, validate_args)
    _kendall_tensor_validation(name, preds, target, None, validate_args)
    x, y = _kendall_format(preds, target)
    result = _kendall_compute(*_kendall_update(x, y), variant, t_test, alternative, name)
    dtype = result_dtype(preds, target)
    if isinstance(result, tuple):
        return tuple(_single(v).to(dtype) for v in result)  # type: ignore[return-value]
    return _single(result).to(dtype)


def _single(value: Tensor) -> Tensor:
    return value[0] if value.shape[0] == 1 else value
