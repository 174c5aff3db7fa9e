r"""Critical success index (threat score): the functional form and the pipeline shared with the class.

With predictions and targets binarised by ``value >= threshold``:

.. math:: \text{CSI} = \frac{\text{hits}}{\text{hits} + \text{misses} + \text{false alarms}}

(0 when there is no event at all, as in TorchMetrics). A NaN in ``preds`` or ``target`` raises ``ValueError`` naming
the input (TorchMetrics silently counts a NaN as no event); ``+inf``/``-inf`` are an event and a non-event like any
other value. The sufficient statistics
are the three counts, summed over everything, or over every dimension but ``keep_sequence_dim``, which gives one
value per index of that dimension.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import Tensor

from calipers._checks import check_finite, check_float, check_int, check_tensor_pair

__all__ = ["critical_success_index"]


def _critical_success_index_arg_validation(name: str, threshold: Any, keep_sequence_dim: Any) -> None:
    """``threshold`` a real number, ``keep_sequence_dim`` None or an int >= 0."""
    check_float(name, "threshold", threshold)
    if keep_sequence_dim is not None:
        check_int(name, "keep_sequence_dim", keep_sequence_dim, 0)


def _critical_success_index_tensor_validation(
    name: str, preds: Any, target: Any, keep_sequence_dim: int | None
) -> None:
    """Same shapes, ``keep_sequence_dim`` (if any) a dimension of them, and no NaN (one host sync per input)."""
    check_tensor_pair(name, preds, target)
    if keep_sequence_dim is not None and keep_sequence_dim >= preds.ndim:
        raise ValueError(
            f"{name}: `keep_sequence_dim` must be smaller than the number of dimensions of `preds` ({preds.ndim}), "
            f"got {keep_sequence_dim!r}."
        )
    check_finite(name, "preds", preds, allow_inf=True)
    check_finite(name, "target", target, allow_inf=True)


def _critical_success_index_format(preds: Tensor, target: Tensor, threshold: float) -> tuple[Tensor, Tensor]:
    """Binarise: ``value >= threshold``."""
    return preds >= threshold, target >= threshold


def _critical_success_index_update(
    preds: Tensor, target: Tensor, keep_sequence_dim: int | None = None
) -> tuple[Tensor, Tensor, Tensor]:
    """Hits, misses and false alarms (int64), summed over all dimensions but ``keep_sequence_dim``."""
    dims = [d for d in range(preds.ndim) if d != keep_sequence_dim]

    def count(x: Tensor) -> Tensor:  # `sum(dim=[])` would reduce every dimension: keep them instead
        return x.sum(dim=dims) if dims else x.long()

    hits = count(preds & target)
    return hits, count(target) - hits, count(preds) - hits


def _critical_success_index_compute(
    hits: Tensor, misses: Tensor, false_alarms: Tensor, dtype: torch.dtype | None = None
) -> Tensor:
    """``hits / (hits + misses + false_alarms)``, 0 where the denominator is 0, in ``dtype`` (default float)."""
    dtype = dtype or torch.get_default_dtype()
    denom = (hits + misses + false_alarms).to(dtype)
    return torch.where(denom > 0, hits.to(dtype) / denom.clamp(min=1), torch.zeros_like(denom))


def critical_success_index(
    preds: Tensor, target: Tensor, threshold: float, keep_sequence_dim: int | None = None
) -> Tensor:
    """Critical success index: hits over hits, misses and false alarms of the events ``value >= threshold``.

    Args:
        preds: predictions, any shape.
        target: ground truth, the shape of ``preds``.
        threshold: the values at or above it are events.
        keep_sequence_dim: a dimension to keep: one score per index along it (``None``: a single score).

    Returns:
        A scalar, or a tensor of the length of ``keep_sequence_dim``, in the default floating dtype.

    Raises:
        TypeError: if an input is not a real tensor, ``threshold`` is not a real number or ``keep_sequence_dim``
            not an int.
        ValueError: if the shapes differ, ``threshold`` is NaN, ``keep_sequence_dim`` is negative or not a
            dimension of the inputs, or an input holds NaN.

    Example:
        >>> import torch
        >>> from calipers.functional.regression import critical_success_index
        >>> critical_success_index(torch.tensor([0.2, 0.7, 0.9, 0.4]), torch.tensor([0.1, 0.8, 0.3, 0.6]), 0.5)
        tensor(0.3333)
    """
    name = "critical_success_index"
    _critical_success_index_arg_validation(name, threshold, keep_sequence_dim)
    _critical_success_index_tensor_validation(name, preds, target, keep_sequence_dim)
    preds_bin, target_bin = _critical_success_index_format(preds, target, threshold)
    return _critical_success_index_compute(*_critical_success_index_update(preds_bin, target_bin, keep_sequence_dim))
