"""DDP tasks of the sync regression tests (issue 17, part 1): one per failure class of the 2-rank sweep.

Each task runs on both ranks of the pool and returns what the test checks: synced states (CPU tensors) or the
error a rank raised (``(type name, message)``), never letting an exception escape, so that the test sees both
ranks' errors side by side.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import torch
import torch.distributed as dist
from torch import Tensor

from calipers import Metric

__all__ = [
    "Declared",
    "compute_on_one_rank",
    "empty_rank_user_gather",
    "mean_overflow",
    "mean_weights",
    "mismatched_states",
    "none_list_entries",
    "one_rank_check_fails",
    "result_dtype_by_plan",
]


class Declared(Metric):
    """States from ``specs`` (``name -> (default, reduction)``); ``update(**values)`` sets or appends values."""

    full_state_update = False

    def __init__(self, specs: dict[str, tuple[Any, Any]], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        for name, (default, reduction) in specs.items():
            self.add_state(name, default, dist_reduce_fx=reduction)

    def update(self, **values: Any) -> None:
        for name, value in values.items():
            state = getattr(self, name)
            if isinstance(state, list):
                state.append(value)
            else:
                setattr(self, name, value)

    def compute(self) -> dict[str, Any]:
        return dict(self.metric_state)


def _outcome(fn: Callable[[], Any]) -> dict[str, Any]:
    warnings.simplefilter("ignore")
    try:
        return {"value": _cpu(fn())}
    except Exception as err:  # the test compares both ranks' errors
        return {"error": (type(err).__name__, str(err))}


def _cpu(x: Any) -> Any:
    if isinstance(x, Tensor):
        return x.detach().cpu()
    if isinstance(x, dict):
        return {k: _cpu(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_cpu(v) for v in x]
    return x


def _user_gather(t: Tensor, group: Any = None) -> list[Tensor]:
    from calipers.utilities import gather_all_tensors

    return gather_all_tensors(t, group)


def mismatched_states(rank: int, world: int, case: str) -> dict[str, Any]:
    """Class 1: a state of another shape (or dtype) on rank 1; every rank must raise the same error."""
    n = 3 if rank == 0 else 4
    specs: dict[str, tuple[Any, Any]] = {}
    if case == "sum":
        specs["total"] = (torch.zeros(n), "sum")
    elif case == "max":
        specs["total"] = (torch.zeros(n), "max")
    elif case == "none":
        specs["total"] = (torch.zeros(n), None)
    elif case == "sum_and_list":
        specs["total"] = (torch.zeros(n), "sum")
        specs["rows"] = ([], "cat")
    elif case == "dtype":
        specs["total"] = (torch.zeros(3, dtype=torch.float32 if rank == 0 else torch.float64), "sum")
    elif case == "big":  # too big for the slot: the all_reduce would truncate
        specs["total"] = (torch.zeros(2000 + rank), "sum")
    kwargs = {"dist_sync_fn": _user_gather} if case.endswith("_fn") else {}
    if case.endswith("_fn"):
        specs["total"] = (torch.zeros(n), "sum")
    metric = Declared(specs, **kwargs)
    metric.update(total=torch.ones(len(specs["total"][0])).to(specs["total"][0].dtype))
    if "rows" in specs:
        metric.update(rows=torch.arange(3.0 + rank))
    return _outcome(metric.compute)


def one_rank_check_fails(rank: int, world: int, case: str) -> dict[str, Any]:
    """Class 3: a list element that the sync cannot carry on rank 1 only (9 dims, float8); or uint16 (carried)."""
    metric = Declared({"rows": ([], "cat"), "total": (torch.zeros(()), "sum")}, **_fn_kwargs(case))
    if case.startswith("ndim9"):
        metric.update(rows=torch.zeros((1,) * (9 if rank == 1 else 1)), total=torch.tensor(1.0))
    elif case.startswith("float8"):
        dtype = torch.float8_e5m2 if rank == 1 else torch.float32
        metric.update(rows=torch.zeros(2).to(dtype), total=torch.tensor(1.0))
    else:
        metric.update(rows=torch.arange(3 + rank).to(torch.uint16), total=torch.tensor(1.0))
    return _outcome(metric.compute)


def _fn_kwargs(case: str) -> dict[str, Any]:
    return {"dist_sync_fn": _user_gather} if case.endswith("_fn") else {}


def mean_overflow(rank: int, world: int, dtype_name: str, size: int) -> dict[str, Any]:
    """Class 4: a ``"mean"`` state at the edge of its dtype on both ranks (``size`` elements: inline or all_reduce)."""
    dtype = getattr(torch, dtype_name)
    big = 40000.0 if dtype == torch.float16 else 2**31 - 1
    metric = Declared({"avg": (torch.zeros(size, dtype=dtype), "mean")})
    metric.update(avg=torch.full((size,), big, dtype=dtype))
    return _outcome(metric.compute)


def none_list_entries(rank: int, world: int, mode: str) -> dict[str, Any]:
    """Class 5: a ``dist_reduce_fx=None`` list with one tensor on rank 0 and none on rank 1."""
    metric = Declared({"rows": ([], None)}, **({"dist_sync_fn": _user_gather} if mode == "fn" else {}))
    if rank == 0:
        metric.update(rows=torch.arange(6, dtype=torch.int64).reshape(3, 2))
    return _outcome(metric.compute)


def mean_weights(rank: int, world: int, rank_one: tuple[float, ...] = (4.0,)) -> dict[str, Any]:
    """Class 6: a ``"mean"`` state fed by ``forward``: rank 0 sees 1, 2, 3 (mean 2), rank 1 sees ``rank_one``."""
    metric = Declared({"avg": (torch.tensor(0.0), "mean")})
    for v in [1.0, 2.0, 3.0] if rank == 0 else list(rank_one):
        metric(avg=torch.tensor(v))
    return _outcome(metric.compute)


def result_dtype_by_plan(rank: int, world: int, plan: str) -> dict[str, Any]:
    """Class 7: an int64 ``"mean"`` state after ``set_dtype(float64)``, synced inline, by all_reduce or by gather."""
    specs: dict[str, tuple[Any, Any]] = {"avg": (torch.tensor(0), "mean")}
    if plan in ("all_reduce", "gather"):
        specs["big"] = (torch.zeros(2000), "sum")  # too big for the slot
    if plan == "gather":
        specs["rows"] = ([], "cat")  # with a list state only the largest group keeps its all_reduce
    metric = Declared(specs).set_dtype(torch.float64)
    metric.update(avg=torch.tensor(3 + rank))
    return _outcome(lambda: metric.compute()["avg"])


def empty_rank_user_gather(rank: int, world: int, dtype_name: str) -> dict[str, Any]:
    """Class 8: a user ``dist_sync_fn`` and a list state that rank 1 holds nothing of: what rank 1 sends."""
    dtype = getattr(torch, dtype_name)
    sent: list[tuple[str, tuple[int, ...]]] = []

    def gather(t: Tensor, group: Any = None) -> list[Tensor]:
        sent.append((str(t.dtype), tuple(t.shape)))
        return _user_gather(t, group)

    metric = Declared({"rows": ([], "cat")}, dist_sync_fn=gather)
    if rank == 0:
        metric.update(rows=torch.arange(6).reshape(3, 2).to(dtype))
    out = _outcome(metric.compute)
    out["sent"] = sent[1:]  # after the descriptors
    return out


def compute_on_one_rank(rank: int, world: int, seconds: float) -> dict[str, Any]:
    """Class 9: only rank 0 computes, over a subgroup with a short timeout; rank 1 never enters the sync."""
    group = dist.new_group(list(range(world)), timeout=timedelta(seconds=seconds))
    metric = Declared({"total": (torch.zeros(()), "sum")}, process_group=group)
    metric.update(total=torch.tensor(1.0))
    if rank != 0:
        return {"value": None}
    return _outcome(metric.compute)
