r"""Tweedie deviance score: the functional form and the pipeline shared with the class.

The mean deviance of a Tweedie distribution with power ``p`` (mean :math:`\mu = \hat y`, observation ``y``):

* ``p = 0`` (normal): :math:`(y - \mu)^2`
* ``p = 1`` (Poisson): :math:`2 (y \log(y / \mu) - y + \mu)`
* ``p = 2`` (gamma): :math:`2 (\log(\mu / y) + y / \mu - 1)`
* otherwise: :math:`2 \left(\frac{\max(y, 0)^{2-p}}{(1-p)(2-p)} - \frac{y \mu^{1-p}}{1-p}
  + \frac{\mu^{2-p}}{2-p}\right)`

It is not defined for ``0 < p < 1``. Domain: ``p < 0``: :math:`\mu > 0`; ``1 <= p < 2``: :math:`\mu > 0, y \ge 0`;
``p >= 2``: :math:`\mu > 0, y > 0`. Inputs outside it are rejected (one device-to-host sync per call).
The sufficient statistics are the sum of deviances and the count.
"""

from __future__ import annotations

import math
from typing import Any

import torch
from torch import Tensor

from calipers._checks import check_float, check_tensor_pair
from calipers.functional.regression._error_common import (
    _accumulation_dtype,
    _cast,
    _float_dtype,
)

__all__ = ["tweedie_deviance_score"]


def _tweedie_deviance_score_arg_validation(name: str, power: Any) -> None:
    """``power`` must be a finite real number outside ``(0, 1)``."""
    value = check_float(name, "power", power)
    if not math.isfinite(value) or 0 < value < 1:
        raise ValueError(f"{name}: `power` must be a finite number <= 0 or >= 1, got {power!r}.")


def _tweedie_deviance_score_tensor_validation(name: str, preds: Any, targets: Any, power: float) -> None:
    """Same shapes, and values inside the domain of ``power`` (see the module documentation)."""
    check_tensor_pair(name, preds, targets, args=("preds", "targets"))
    if power == 0:
        return
    bad_preds = (preds <= 0).any()
    bad_targets = (targets <= 0).any() if power >= 2 else (targets < 0).any() if power >= 1 else None
    bad = bad_preds if bad_targets is None else bad_preds | bad_targets
    if not bool(bad):
        return
    if bool(bad_preds):
        arg, value, expectation = "preds", preds, "strictly positive"
    else:
        arg, value, expectation = "targets", targets, "strictly positive" if power >= 2 else "non-negative"
    raise ValueError(
        f"{name}: `{arg}` must be {expectation} for power={power!r}, got a minimum of {value.min().item()!r}."
    )


def _tweedie_deviance_score_format(preds: Tensor, targets: Tensor, dtype: torch.dtype) -> tuple[Tensor, Tensor]:
    """Flatten and cast to the accumulation dtype."""
    preds, targets = _cast(dtype, preds.reshape(-1), targets.reshape(-1))
    return preds, targets


def _tweedie_deviance_score_update(preds: Tensor, targets: Tensor, power: float) -> tuple[Tensor, int]:
    """Sum of the unit deviances and the number of elements."""
    if power == 0:
        diff = targets - preds
        deviance = diff * diff
    elif power == 1:
        deviance = 2 * (torch.xlogy(targets, targets / preds) - targets + preds)
    elif power == 2:
        deviance = 2 * (torch.log(preds / targets) + targets / preds - 1)
    else:
        first = targets.clamp(min=0).pow(2 - power) / ((1 - power) * (2 - power))
        second = targets * preds.pow(1 - power) / (1 - power)
        third = preds.pow(2 - power) / (2 - power)
        deviance = 2 * (first - second + third)
    return deviance.sum(), preds.numel()


def _tweedie_deviance_score_compute(sum_deviance_score: Tensor, num_observations: Tensor | int) -> Tensor:
    """Mean deviance from the summed statistics; NaN without samples."""
    return sum_deviance_score / num_observations


def tweedie_deviance_score(preds: Tensor, targets: Tensor, power: float = 0.0) -> Tensor:
    """Mean Tweedie deviance of the predictions (the means) for the observed targets.

    Args:
        preds: predicted means, any shape.
        targets: observations, the shape of ``preds``.
        power: the Tweedie power ``p``: 0 normal, 1 Poisson, 2 gamma, 3 inverse Gaussian, ``1 < p < 2`` compound
            Poisson-gamma, ``p < 0`` extreme stable. Not defined for ``0 < p < 1``.

    Returns:
        A scalar in the floating dtype of the inputs; NaN for empty inputs.

    Raises:
        TypeError: if an input is not a real tensor or ``power`` is not a real number.
        ValueError: if the shapes differ, ``power`` is in ``(0, 1)`` or not finite, or a value is outside the
            domain of ``power``.

    Example:
        >>> import torch
        >>> from calipers.functional.regression import tweedie_deviance_score
        >>> tweedie_deviance_score(torch.tensor([2.0, 0.5, 1.0, 4.0]), torch.tensor([1.0, 1.0, 1.0, 3.0]), power=2)
        tensor(0.2688)
    """
    name = "tweedie_deviance_score"
    _tweedie_deviance_score_arg_validation(name, power)
    _tweedie_deviance_score_tensor_validation(name, preds, targets, power)
    out_dtype = _float_dtype(preds, targets)
    preds, targets = _tweedie_deviance_score_format(preds, targets, _accumulation_dtype(out_dtype))
    total, num_obs = _tweedie_deviance_score_update(preds, targets, power)
    return _tweedie_deviance_score_compute(total, num_obs).to(out_dtype)
