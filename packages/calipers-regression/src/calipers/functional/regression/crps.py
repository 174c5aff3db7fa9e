r"""Continuous ranked probability score of an ensemble forecast: the functional form and the shared pipeline.

For an ensemble :math:`x_1, \dots, x_M` and an observation :math:`y`:

.. math:: \text{CRPS} = \frac{1}{M} \sum_{i} |x_i - y| - \frac{1}{2 M^2} \sum_{i, j} |x_i - x_j|

averaged over the samples. The pairwise term is computed from the sorted ensemble,
:math:`\sum_{i,j} |x_i - x_j| = 2 \sum_k (2k - M + 1)\, x_{(k)}` (0-based ranks ``k``), in :math:`O(M \log M)`
time and :math:`O(M)` memory per sample instead of the :math:`O(M^2)` pairwise matrix. The sufficient statistics
are the sum of the per-sample scores and the number of samples.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import Tensor

from calipers._checks import check_tensor
from calipers.functional.regression._error_common import (
    _accumulation_dtype,
    _cast,
    _float_dtype,
)

__all__ = ["continuous_ranked_probability_score"]


def _continuous_ranked_probability_score_tensor_validation(name: str, preds: Any, target: Any) -> None:
    """``preds`` of shape ``(N, M)`` with ``M >= 2`` ensemble members, ``target`` of shape ``(N,)``."""
    check_tensor(name, "preds", check_tensor(name, "preds", preds, "any"))
    check_tensor(name, "target", check_tensor(name, "target", target, "any"))
    if preds.ndim != 2 or preds.shape[1] < 2:
        raise ValueError(
            f"{name}: `preds` must have shape (N, M) with M >= 2 ensemble members, got {tuple(preds.shape)}."
        )
    if target.shape != preds.shape[:1]:
        raise ValueError(f"{name}: `target` must have shape ({preds.shape[0]},), got {tuple(target.shape)}.")


def _continuous_ranked_probability_score_format(
    preds: Tensor, target: Tensor, dtype: torch.dtype
) -> tuple[Tensor, Tensor]:
    """Cast to the accumulation dtype."""
    preds, target = _cast(dtype, preds, target)
    return preds, target


def _continuous_ranked_probability_score_update(preds: Tensor, target: Tensor) -> tuple[Tensor, int]:
    """Sum of the per-sample CRPS and the number of samples."""
    members = preds.shape[1]
    to_target = (preds - target.unsqueeze(1)).abs().mean(dim=1)
    ranks = torch.arange(members, dtype=preds.dtype, device=preds.device)
    spread = (preds.sort(dim=1).values * (2 * ranks - (members - 1))).sum(dim=1) / (members * members)
    return (to_target - spread).sum(), preds.shape[0]


def _continuous_ranked_probability_score_compute(score: Tensor, total: Tensor | int) -> Tensor:
    """Mean CRPS from the summed statistics; NaN without samples."""
    return score / total


def continuous_ranked_probability_score(preds: Tensor, target: Tensor) -> Tensor:
    """Continuous ranked probability score of ensemble forecasts (lower is better; the MAE for one member).

    Args:
        preds: ensemble forecasts of shape ``(N, M)``, ``M >= 2`` members per sample.
        target: observations of shape ``(N,)``.

    Returns:
        A scalar in the floating dtype of the inputs; NaN for empty inputs.

    Raises:
        TypeError: if an input is not a real tensor.
        ValueError: if ``preds`` is not ``(N, M)`` with ``M >= 2`` or ``target`` not ``(N,)``.

    Example:
        >>> import torch
        >>> from calipers.functional.regression import continuous_ranked_probability_score
        >>> preds = torch.tensor([[0.0, 1.0, 2.0], [1.0, 1.5, 3.0]])
        >>> continuous_ranked_probability_score(preds, torch.tensor([1.0, 2.0]))
        tensor(0.3056)
    """
    name = "continuous_ranked_probability_score"
    _continuous_ranked_probability_score_tensor_validation(name, preds, target)
    out_dtype = _float_dtype(preds, target)
    preds, target = _continuous_ranked_probability_score_format(preds, target, _accumulation_dtype(out_dtype))
    score, total = _continuous_ranked_probability_score_update(preds, target)
    return _continuous_ranked_probability_score_compute(score, total).to(out_dtype)
