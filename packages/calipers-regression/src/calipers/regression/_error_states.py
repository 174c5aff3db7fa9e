"""State helpers of the error metrics whose statistics mix reductions (sums, minima, maxima)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import torch
from torch import Tensor

from calipers.functional.regression._error_common import _accumulation_dtype
from calipers.metric import Metric

__all__: list[str] = []

DEFAULTS = {"sum": 0.0, "min": float("inf"), "max": -float("inf")}


def add_statistic_states(metric: Metric, reductions: Mapping[str, str], shape: tuple[int, ...]) -> None:
    """Declare one float64 state per statistic, filled with the neutral element of its reduction."""
    for name, reduction in reductions.items():
        default = torch.full(shape, DEFAULTS[reduction], dtype=torch.float64)
        metric.add_state(name, default, dist_reduce_fx=reduction)


def statistics_dtype(metric: Metric, name: str) -> torch.dtype:
    """The dtype to compute a batch's statistics in: that of the states (float64 unless cast), at least float32."""
    return _accumulation_dtype(getattr(metric, name).dtype)


def fold_statistics(metric: Metric, reductions: Mapping[str, str], values: Iterable[tuple[str, Tensor]]) -> None:
    """Fold batch statistics into the states, out of place (a state may broadcast to a batch's shape)."""
    for name, value in values:
        state, reduction = getattr(metric, name), reductions[name]
        if reduction == "sum":
            new = state + value
        elif reduction == "min":
            new = torch.minimum(state, value)
        else:
            new = torch.maximum(state, value)
        setattr(metric, name, new if new.dtype == state.dtype else new.to(state.dtype))


def check_inferred_outputs(metric: Metric, preds: Tensor, state_name: str) -> tuple[int, ...]:
    """With ``num_outputs=None`` the first batch fixes the number of outputs: later ones must match it.

    ``preds`` is a validated 1- or 2-dimensional tensor; ``(N, 1)`` counts as ``(N,)``. The outputs in use are those
    remembered by the last update (``metric._outputs_seen``, which survives the state swap of ``forward``), else the
    shape of the state ``state_name`` when it is not a scalar (after ``merge_state`` or ``load_state_dict``).
    Returns the output shape of the batch: ``()`` for one output, ``(k,)`` for ``k``.
    """
    batch = () if preds.ndim == 1 or preds.shape[1] == 1 else (int(preds.shape[1]),)
    if getattr(metric, "num_outputs", None) is not None:
        return batch
    seen: tuple[int, ...] | None = getattr(metric, "_outputs_seen", None)
    state: Tensor = getattr(metric, state_name)
    expected = seen if seen is not None else (tuple(state.shape) if state.ndim > 0 else None)
    if expected is None or expected == batch:
        return batch
    shape = "(N,) or (N, 1)" if not expected else f"(N, {expected[0]})"
    raise ValueError(
        f"{type(metric).__name__}: `preds` must have shape {shape} like the earlier batches (`num_outputs` was "
        f"inferred from the first one), got {tuple(preds.shape)}."
    )
