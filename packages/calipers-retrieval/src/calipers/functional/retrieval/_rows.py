"""Rows of a retrieval metric: ``(preds, target, indexes)`` checked, flattened and stored compactly.

* ``preds``: floating scores of any shape, kept in their own dtype (float64 stays float64); NaN is rejected,
  ``inf`` ranks first (``-inf`` last).
* ``target``: binary metrics take bool, integer or float tensors of 0/1 values and store them as ``bool``;
  :func:`~calipers.functional.retrieval.retrieval_normalized_dcg` takes graded non-negative relevance (integer or
  float; floats keep their dtype, integers are stored as ``int64``).
* ``indexes``: an integer tensor naming the query of each row, stored as ``int64``.

Rows whose target equals ``ignore_index`` are dropped first. A batch left with no rows is a no-op.
"""

from __future__ import annotations

import torch
from torch import Tensor

from calipers._checks import (
    check_devices,
    check_finite,
    check_labels,
    check_nonnegative,
    check_same_shape,
    check_tensor,
    value_range_ok,
)

__all__ = ["rows_format", "rows_tensor_validation", "stored_target"]


def rows_tensor_validation(
    name: str,
    preds: Tensor,
    target: Tensor,
    indexes: Tensor | None,
    graded: bool,
    ignore_index: int | None = None,
    device: torch.device | None = None,
) -> None:
    """Raise ``TypeError``/``ValueError`` for inputs a retrieval metric cannot take (before any state changes).

    ``indexes`` is ``None`` for the functionals (one query); ``device``, when given, is the metric's. The value
    checks first run one reduction each (a NaN makes a sum NaN, a negative value makes the minimum negative) and
    call the exact base check, which words the error, only when that reduction is suspicious.
    """
    check_tensor(name, "preds", preds, "floating")
    check_tensor(name, "target", target, "real" if graded else "label")
    check_same_shape(name, preds, target)
    if indexes is not None or device is not None:
        check_tensor(name, "indexes", indexes, "integer")
        assert indexes is not None
        check_same_shape(name, preds, indexes, ("preds", "indexes"))
    if device is not None:
        check_devices(name, device, preds=preds, target=target, indexes=indexes)
    if ignore_index is not None:
        keep = target != ignore_index
        preds, target = preds[keep], target[keep]
    if preds.numel() == 0:
        return
    if bool(torch.isnan(preds.sum())):
        check_finite(name, "preds", preds, allow_inf=True)
    if not graded:
        if target.dtype != torch.bool and not value_range_ok(target, 0, 2):
            check_labels(name, "target", target, 2)
    elif target.is_floating_point():
        if not (bool(torch.isfinite(target.sum())) and bool(target.min() >= 0)):
            check_nonnegative(name, "target", target)
            check_finite(name, "target", target)
    elif target.dtype != torch.bool and int(target.min()) < 0:
        check_nonnegative(name, "target", target)


def stored_target(target: Tensor, graded: bool) -> Tensor:
    """The compact stored form of a (checked) target.

    ``bool`` for binary metrics; graded floats keep their dtype, graded integers become ``int64``, bools stay bools.
    """
    if not graded or target.dtype == torch.bool:
        return target if target.dtype == torch.bool else target != 0
    return target if target.is_floating_point() else target.long()


def rows_format(
    preds: Tensor, target: Tensor, indexes: Tensor | None, graded: bool, ignore_index: int | None = None
) -> tuple[Tensor, Tensor, Tensor]:
    """Flatten, drop the ``ignore_index`` rows, and store compactly: ``(preds, target, indexes)``.

    Without ``indexes`` (a functional), every row belongs to query 0.
    """
    preds, target = preds.detach().reshape(-1), target.detach().reshape(-1)
    idx = torch.zeros(preds.shape, dtype=torch.int64, device=preds.device) if indexes is None else indexes
    idx = idx.detach().reshape(-1)
    if ignore_index is not None:
        keep = target != ignore_index
        preds, target, idx = preds[keep], target[keep], idx[keep]
    return preds, stored_target(target, graded), idx.long()
