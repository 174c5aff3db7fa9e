"""Argument checks of the retrieval metrics (built on :mod:`calipers._checks`) and the final aggregation.

The arguments every retrieval metric shares are described here once; the public docstrings point to this module.

* ``empty_target_action``: what a query without a relevant document (for fall-out: without a non-relevant one)
  counts as: ``"neg"`` 0.0, ``"pos"`` 1.0, ``"skip"`` left out (0.0 when every query is), ``"error"`` a
  ``ValueError`` naming the query.
* ``ignore_index``: rows whose target equals it are dropped before anything else.
* ``aggregation``: how the per-query values become one: ``"mean"``, ``"median"`` (the lower middle value, as
  ``torch.median``), ``"min"``, ``"max"``, or a callable ``fn(values, dim=...)`` (called with ``dim=None`` for a
  scalar metric and ``dim=0`` for the curves, as TorchMetrics does).
* ``top_k``: only the ``top_k`` best-scored documents of each query count (``None``: all of them).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal, Union

import torch
from torch import Tensor

from calipers._checks import Choice, Flag, Float, Int, Optional, check_args, check_choice

__all__ = [
    "AGGREGATIONS",
    "EMPTY_TARGET_ACTIONS",
    "Aggregation",
    "EmptyTargetAction",
    "aggregate",
    "check_aggregation",
    "check_retrieval_args",
    "finish",
]

EmptyTargetAction = Literal["error", "skip", "neg", "pos"]
Aggregation = Union[Literal["mean", "median", "min", "max"], Callable[..., Tensor]]  # noqa: UP007 (a runtime alias)
EMPTY_TARGET_ACTIONS: tuple[str, ...] = ("error", "neg", "pos", "skip")
AGGREGATIONS: tuple[str, ...] = ("max", "mean", "median", "min")


def check_aggregation(name: str, arg: str, value: Any) -> None:
    """``aggregation``: one of :data:`AGGREGATIONS` or a callable."""
    if callable(value):
        return
    if not isinstance(value, str):
        raise TypeError(f"{name}: `{arg}` must be one of {list(AGGREGATIONS)} or a callable, got {value!r}.")
    check_choice(name, arg, value, AGGREGATIONS)


def check_retrieval_args(name: str, **args: Any) -> None:
    """Check the retrieval arguments given, in the house message shape.

    Any of the arguments of the module docstring, plus ``adaptive_k``, ``max_k``, ``max_fpr`` and ``min_precision``.
    """
    constraints: dict[str, Any] = {
        "empty_target_action": Choice(EMPTY_TARGET_ACTIONS),
        "ignore_index": Optional(Int()),
        "aggregation": check_aggregation,
        "top_k": Optional(Int(low=1)),
        "max_k": Optional(Int(low=1)),
        "adaptive_k": Flag(),
        "max_fpr": Optional(Float(low=0.0, high=1.0, low_open=True)),
        "min_precision": Float(low=0.0, high=1.0),
    }
    check_args(name, **{arg: (value, constraints[arg]) for arg, value in args.items()})


def aggregate(values: Tensor, aggregation: Aggregation, dim: int | None = None) -> Tensor:
    """Reduce per-query ``values`` (dim 0 is the query) with ``aggregation``."""
    if aggregation == "mean":
        return values.mean() if dim is None else values.mean(dim=dim)
    if aggregation == "median":
        return values.median() if dim is None else values.median(dim=dim).values
    if aggregation == "min":
        return values.min() if dim is None else values.amin(dim=dim)
    if aggregation == "max":
        return values.max() if dim is None else values.amax(dim=dim)
    assert callable(aggregation)
    return aggregation(values, dim=dim)


def finish(
    name: str,
    values: Tensor,
    empty: Tensor,
    query_ids: Tensor,
    empty_target_action: str,
    aggregation: Aggregation,
    dtype: torch.dtype,
    missing: str = "a relevant document",
) -> Tensor:
    """Apply ``empty_target_action`` to the queries flagged ``empty``, cast to ``dtype`` and aggregate.

    ``values`` is ``(Q,)``, or ``(Q, K)`` for a curve per query (aggregated along dim 0).

    Raises:
        ValueError: with ``empty_target_action="error"``, naming the first empty query.
    """
    curve = values.ndim == 2
    if empty_target_action == "error" and bool(empty.any()):
        query = int(query_ids[empty.nonzero()[0, 0]])
        raise ValueError(
            f"{name}: `target` must hold {missing} in every query when `empty_target_action` is 'error', "
            f"got none in query {query}."
        )
    if empty_target_action in ("neg", "pos"):
        fill = 1.0 if empty_target_action == "pos" else 0.0
        mask = empty.unsqueeze(1) if curve else empty
        values = values.masked_fill(mask, fill)
    elif empty_target_action == "skip":
        values = values[~empty]
    if values.shape[0] == 0:
        return torch.zeros(values.shape[1:], dtype=dtype, device=values.device)
    return aggregate(values.to(dtype), aggregation, dim=0 if curve else None)
