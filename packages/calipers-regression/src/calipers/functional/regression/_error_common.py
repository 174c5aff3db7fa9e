"""Helpers shared by the regression families (MSE, MAE, R2...): the shape rules of their inputs, and dtypes.

Argument and tensor checks come from :mod:`calipers._checks` (one message shape for every domain:
``f"{name}: `{arg}` must be {expectation}, got {value!r}."``); this module adds only the regression-specific rules
built on them (``num_outputs``, the allowed input ranks).
"""

from __future__ import annotations

from typing import Any

import torch
from torch import Tensor

from calipers._checks import check_int

__all__: list[str] = []

# Floor of the denominators of the percentage errors (MAPE, SMAPE, WMAPE), as in TorchMetrics.
PERCENTAGE_EPSILON = 1.17e-06
MULTIOUTPUT_CHOICES = ("raw_values", "uniform_average", "variance_weighted")


def _check_num_outputs(name: str, num_outputs: Any, allow_none: bool = False) -> None:
    """``num_outputs``: an int >= 1 (or ``None`` when ``allow_none``)."""
    if num_outputs is None and allow_none:
        return
    check_int(name, "num_outputs", num_outputs, 1)


def _check_one_or_two_dims(name: str, preds: Tensor) -> None:
    if preds.ndim not in (1, 2):
        raise ValueError(f"{name}: `preds` must be a 1- or 2-dimensional tensor, got shape {tuple(preds.shape)}.")


def _check_outputs(name: str, preds: Tensor, num_outputs: int, flatten_single: bool) -> None:
    """``num_outputs > 1`` needs inputs of shape ``(N, num_outputs)``.

    With ``num_outputs == 1``, any shape is accepted when ``flatten_single`` (the inputs are flattened), else the
    inputs must be ``(N,)`` or ``(N, 1)``.
    """
    if num_outputs == 1:
        if flatten_single or preds.ndim == 1 or (preds.ndim == 2 and preds.shape[1] == 1):
            return
        raise ValueError(
            f"{name}: `preds` must have shape (N,) or (N, 1) when `num_outputs` is 1, got {tuple(preds.shape)}."
        )
    if preds.ndim != 2 or preds.shape[1] != num_outputs:
        raise ValueError(
            f"{name}: `preds` must have shape (N, {num_outputs}) to match `num_outputs`, got {tuple(preds.shape)}."
        )


def _float_dtype(*tensors: Tensor) -> torch.dtype:
    """The floating dtype of the inputs (their promotion; the default dtype for integer or bool inputs)."""
    dtype = tensors[0].dtype
    for t in tensors[1:]:
        dtype = torch.promote_types(dtype, t.dtype)
    return dtype if dtype.is_floating_point else torch.get_default_dtype()


def _accumulation_dtype(dtype: torch.dtype) -> torch.dtype:
    """Sums of half-precision values are taken in float32 (the result is cast back)."""
    return torch.float32 if dtype in (torch.float16, torch.bfloat16) else dtype


def _cast(dtype: torch.dtype, *tensors: Tensor) -> tuple[Tensor, ...]:
    return tuple(t if t.dtype == dtype else t.to(dtype) for t in tensors)


def _column_min_max(x: Tensor) -> tuple[Tensor, Tensor]:
    """Minimum and maximum along dim 0 (``+inf`` and ``-inf`` for no rows)."""
    if x.shape[0] == 0:
        inf = torch.full(x.shape[1:], float("inf"), dtype=x.dtype, device=x.device)
        return inf, -inf
    if x.ndim == 1:  # `amin`/`amax` beat `aminmax` several times on CPU
        return x.amin(), x.amax()
    return x.min(dim=0).values, x.max(dim=0).values


def _sum_of_squares(x: Tensor, dtype: torch.dtype | None = None) -> Tensor:
    """``sum(x ** 2)`` along dim 0 (one fused kernel for 1-D inputs), returned in ``dtype`` (default: x's)."""
    total = torch.dot(x, x) if x.ndim == 1 else (x * x).sum(dim=0)
    return total if dtype is None else total.to(dtype)


def _centered_sum_of_squares(
    sum_x: Tensor, sum_squared_x: Tensor, num_obs: Tensor | int, min_x: Tensor, max_x: Tensor
) -> Tensor:
    """``sum((x - mean(x)) ** 2)`` from running sums, exactly 0 for constant columns (``min == max``).

    The sums are float64 so the cancellation in ``sum_squared_x - sum_x ** 2 / n`` costs about
    ``eps * mean ** 2 / variance`` of relative precision; a constant column is detected exactly by its range.
    """
    centered = (sum_squared_x - sum_x * sum_x / num_obs).clamp(min=0)
    return torch.where(min_x == max_x, torch.zeros_like(centered), centered)


def _forced_finite_score(numerator: Tensor, denominator: Tensor) -> Tensor:
    """``1 - numerator / denominator``, with scikit-learn's convention where the denominator is 0.

    A zero denominator (constant target) gives 1 for a zero numerator (perfect predictions) and 0 otherwise.
    """
    nonzero = denominator != 0
    score = 1 - numerator / torch.where(nonzero, denominator, torch.ones_like(denominator))
    fallback = torch.where(numerator != 0, torch.zeros_like(score), torch.ones_like(score))
    return torch.where(nonzero, score, fallback)


def _average_outputs(scores: Tensor, variances: Tensor, multioutput: str) -> Tensor:
    """Combine per-output scores: as they are, their mean, or their mean weighted by the target variances.

    When every variance is 0 the weighted mean falls back to the plain mean (as scikit-learn does).
    """
    if multioutput == "raw_values":
        return scores
    if multioutput == "uniform_average":
        return scores.mean()
    weights = torch.where((variances != 0).any(), variances, torch.ones_like(variances))
    return (weights * scores).sum() / weights.sum()


def _update_dtype(state_dtype: torch.dtype, *tensors: Tensor) -> torch.dtype:
    """The dtype a class computes a batch in: its state dtype promoted with the inputs' (at least float32)."""
    return _accumulation_dtype(torch.promote_types(state_dtype, _float_dtype(*tensors)))


def result_dtype(a: Tensor, b: Tensor) -> torch.dtype:
    """The dtype of a functional result: the promoted floating dtype of the inputs (default dtype for integers)."""
    dtype = torch.promote_types(a.dtype, b.dtype)
    return dtype if dtype.is_floating_point else torch.get_default_dtype()
