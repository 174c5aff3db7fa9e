"""State helpers of the error metrics whose statistics mix reductions (sums, minima, maxima)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

import torch
import torch.distributed as dist
from torch import Tensor

from calipers.functional.regression._error_common import (
    _accumulation_dtype,
)
from calipers.functional.regression.r2 import _sums_1d_apply, r2_sums_1d
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
    """Fold batch statistics into the states.

    In place when shape and dtype agree; else out of place (with ``num_outputs=None`` a scalar state broadcasts to the
    first batch's shape).
    """
    d = metric.__dict__
    for name, value in values:
        state, reduction = d[name], reductions[name]
        if state.shape == value.shape and state.dtype == value.dtype and not value.requires_grad:
            if reduction == "sum":
                state.add_(value)
            elif reduction == "min":
                torch.minimum(state, value, out=state)
            else:
                torch.maximum(state, value, out=state)
            continue
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


def _outputs_code(metric: Metric, state_name: str) -> int:
    """This rank's number of outputs for the agreement: ``k`` for ``(k,)`` states, 0 for one output, -1 for no data."""
    state: Tensor = getattr(metric, state_name)
    if state.ndim:
        return int(state.shape[0])
    seen: tuple[int, ...] | None = getattr(metric, "_outputs_seen", None)
    if seen is not None:
        return seen[0] if seen else 0
    total: Tensor = metric.__dict__["total"]
    return 0 if float(total) > 0 else -1


def agree_inferred_outputs(
    metric: Metric,
    reductions: Mapping[str, str],
    dist_sync_fn: Callable[..., list[Tensor]] | None,
    process_group: Any,
) -> None:
    """Before a sync with ``num_outputs=None``: the ranks agree on the number of outputs (one small gather).

    A rank that saw no batch still holds the scalar defaults; it takes the shape of the others (its defaults are the
    neutral elements of their reductions, so the sync is exact). Ranks that inferred different numbers of outputs
    raise the same ``ValueError`` on every rank, before any reduction.
    """
    if getattr(metric, "num_outputs", None) is not None:
        return
    names = list(reductions)
    group = process_group if process_group is not None else metric.process_group
    local = torch.tensor([_outputs_code(metric, names[0])], dtype=torch.int64, device=metric.device)
    if dist_sync_fn is not None:
        gathered = dist_sync_fn(local, group=group)
    else:
        gathered = [torch.empty_like(local) for _ in range(dist.get_world_size(group))]
        dist.all_gather(gathered, local, group=group)
    codes = [int(c.reshape(-1)[0]) for c in gathered]
    known = sorted({c for c in codes if c >= 0})
    if len(known) > 1:
        shapes = ["no batch" if c < 0 else ("(N,)" if c == 0 else f"(N, {c})") for c in codes]
        raise ValueError(
            f"{type(metric).__name__}: every process must see inputs with the same number of outputs to sync "
            f"(`num_outputs` was inferred from the first batch), got {shapes} by rank; give `num_outputs`."
        )
    if local.item() >= 0 or not known or known[0] == 0:
        return
    d = metric.__dict__
    for name in names:
        d[name] = d[name].expand(known[0]).clone()


def fold_r2_batch(metric: Metric, preds: Tensor, target: Tensor, names: tuple[str, ...]) -> bool:
    """Fold a batch of formatted 1-D CPU inputs into the R2-family states in three operations; False if it cannot.

    ``names`` are the states of ``(sum t, sum t^2, sum (t - p)^2, min t, max t)``; ``total`` counts the samples.
    The three sums and the count are added in one ``_foreach_add_`` of Python floats (see ``r2_sums_1d``).
    """
    d = metric.__dict__
    states = [d[name] for name in names]
    if states[0].ndim or not states[0].is_cpu or not _sums_1d_apply(preds, target):
        return False  # the states move and broadcast together: the first one tells
    total, squares, residual, low, high = r2_sums_1d(preds, target)
    torch._foreach_add_([*states[:3], d["total"]], [total, squares, residual, float(target.shape[0])])
    # The extremes rarely move once a few batches are in: compare as Python numbers, write only on a change
    # (``not >=`` lets a NaN through, as torch.minimum would).
    low_value, high_value = low.item(), high.item()
    if not low_value >= states[3].item():
        states[3].fill_(low_value)
    if not high_value <= states[4].item():
        states[4].fill_(high_value)
    return True
