r"""Cosine similarity between the rows of ``preds`` and ``target``, reduced over the rows.

.. math::
    \cos(p_i, t_i) = \frac{\langle p_i, t_i \rangle}{\lVert p_i \rVert \, \lVert t_i \rVert}

A row of zeros has no direction: its similarity is NaN (as in TorchMetrics). The sufficient statistics of a batch are
the per-row similarities: the class keeps their sum and count (``reduction="sum"``/``"mean"``), or every one of them
(``"none"``), rather than the inputs themselves.
"""

from __future__ import annotations

from typing import Literal

from torch import Tensor

from calipers._checks import check_finite, check_flag, check_tensor_pair
from calipers.functional.regression._error_common import result_dtype

__all__ = ["cosine_similarity"]

_REDUCTIONS = ("mean", "none", "sum")


def _cosine_similarity_arg_validation(name: str, reduction: object, validate_args: object = True) -> None:
    """Check ``reduction`` (``"mean"``, ``"none"``, ``"sum"`` or ``None``) and ``validate_args``."""
    if reduction is not None and reduction not in _REDUCTIONS:
        raise ValueError(f"{name}: `reduction` must be one of {list(_REDUCTIONS)} or None, got {reduction!r}.")
    check_flag(name, "validate_args", validate_args)


def _cosine_similarity_tensor_validation(name: str, preds: Tensor, target: Tensor, validate_args: bool) -> None:
    """Check the inputs: real tensors of one ``(N, D)`` shape and (if ``validate_args``) finite values."""
    check_tensor_pair(name, preds, target, ("preds", "target"), "number", ndim=2)
    if validate_args:
        check_finite(name, "preds", preds)
        check_finite(name, "target", target)


def _cosine_similarity_update(preds: Tensor, target: Tensor) -> Tensor:
    """Sufficient statistics of one batch: the ``(N,)`` similarity of each row (summed or concatenated)."""
    dtype = result_dtype(preds, target)
    p, t = preds.to(dtype), target.to(dtype)
    similarity: Tensor = (p * t).sum(-1) / (p.norm(dim=-1) * t.norm(dim=-1))
    return similarity.clamp(-1.0, 1.0)


def _cosine_similarity_compute(
    similarity: Tensor, total: Tensor | int, reduction: Literal["mean", "sum", "none"] | None
) -> Tensor:
    """The value from the per-row similarities (``"none"``/``None``) or their sum and count (``"sum"``/``"mean"``)."""
    if reduction == "sum":
        return similarity.sum()
    if reduction == "mean":
        return similarity.sum() / total
    return similarity


def cosine_similarity(
    preds: Tensor,
    target: Tensor,
    reduction: Literal["mean", "sum", "none"] | None = "sum",
    *,
    validate_args: bool = True,
) -> Tensor:
    """Cosine similarity of each row of ``preds`` with the same row of ``target``, reduced over the rows.

    Args:
        preds: predictions, shape ``(N, D)``; float or integer.
        target: targets, the same shape.
        reduction: ``"sum"`` (default) or ``"mean"`` over the rows, or ``"none"``/``None`` for the ``(N,)`` values.
        validate_args: check that the values are finite (a host-device synchronisation); shapes are always checked.

    Returns:
        A scalar (``"sum"``, ``"mean"``) or a ``(N,)`` tensor, in the inputs' floating dtype. A row of zeros gives NaN.

    Raises:
        TypeError: if an input is not a real tensor, or ``validate_args`` is not a bool.
        ValueError: for an unknown ``reduction``, shapes that differ or are not 2-d, or (``validate_args``) NaN/inf.

    Example:
        >>> import torch
        >>> from calipers.functional.regression import cosine_similarity
        >>> preds = torch.tensor([[1.0, 2.0, 3.0], [1.0, 0.0, 1.0]])
        >>> target = torch.tensor([[1.0, 2.0, 3.0], [0.0, 1.0, 1.0]])
        >>> cosine_similarity(preds, target, reduction="none")
        tensor([1.0000, 0.5000])
    """
    name = "cosine_similarity"
    _cosine_similarity_arg_validation(name, reduction, validate_args)
    _cosine_similarity_tensor_validation(name, preds, target, validate_args)
    similarity = _cosine_similarity_update(preds, target)
    return _cosine_similarity_compute(similarity, similarity.shape[0], reduction)
