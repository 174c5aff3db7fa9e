"""The sync engine: plan the synchronisation of many states as one batch, then run it with few collectives.

``plan_sync`` sorts the states of one metric (or of a whole collection) into

* **reduce groups**: fixed-shape states with an elementwise reduction, packed by ``(dtype, op)`` into one flat
  buffer each and reduced with one ``all_reduce``;
* **static gathers**: fixed-shape states that need every rank's value (custom or no reduction, dtypes that
  ``all_reduce`` cannot take, and reduce groups past the collective budget);
* **variable gathers**: list states, whose length differs from rank to rank (a rank may have none).

``execute_sync`` then issues at most three collectives whatever the number of states:

1. one ``all_gather`` of a small int64 header (rows, dtype and trailing shape of each list state), only if
   there are list states;
2. one ``all_gather`` of a single padded byte buffer holding every gathered state of every rank;
3. ``all_reduce`` calls, one per reduce group, the number of groups being capped so that the total stays <= 3.

A rank that never called ``update`` (empty lists, default tensors) takes part like any other and contributes
nothing to the lists: no rank ever waits on a collective that another rank skips.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, field
from typing import Any

import torch
import torch.distributed as dist
from torch import Tensor

from calipers._state import ELEMENTWISE, Reduction, StateValue, cat_state, reduce_stacked

__all__ = ["StateEntry", "SyncPlan", "execute_sync", "plan_sync", "sync_with_fn"]

MAX_COLLECTIVES = 3
_MAX_DIMS = 8
_ALIGN = 16
_DTYPES: tuple[torch.dtype, ...] = (
    torch.float32, torch.float64, torch.float16, torch.bfloat16, torch.int64, torch.int32, torch.int16, torch.int8,
    torch.uint8, torch.bool, torch.complex64, torch.complex128,
)  # fmt: skip
_DTYPE_CODE = {dt: i for i, dt in enumerate(_DTYPES)}
_REDUCIBLE = frozenset({torch.float32, torch.float64, torch.float16, torch.bfloat16, torch.int64, torch.int32})
_OPS = {"sum": "sum", "mean": "sum", "max": "max", "min": "min"}


@dataclass(frozen=True)
class StateEntry:
    """One state to synchronise: its key, current value, reduction, and the device/dtype used when it is empty."""

    key: Hashable
    value: StateValue
    reduction: Reduction
    device: torch.device
    dtype: torch.dtype


@dataclass
class SyncPlan:
    """Which entry travels by which collective. Build it with :func:`plan_sync`."""

    entries: list[StateEntry]
    reduce_groups: list[tuple[torch.dtype, str, list[int]]] = field(default_factory=list)
    static_gather: list[int] = field(default_factory=list)
    var_gather: list[int] = field(default_factory=list)

    @property
    def num_collectives(self) -> int:
        """Number of collectives :func:`execute_sync` issues for this plan."""
        gathers = (1 if self.var_gather else 0) + (1 if self.var_gather or self.static_gather else 0)
        return len(self.reduce_groups) + gathers


def plan_sync(entries: Sequence[StateEntry]) -> SyncPlan:
    """Plan the sync of ``entries``; every rank must call it with entries of the same keys, order and shapes."""
    plan = SyncPlan(entries=list(entries))
    groups: dict[tuple[torch.dtype, str], list[int]] = {}
    for i, e in enumerate(plan.entries):
        if isinstance(e.value, Tensor):
            if e.reduction in ELEMENTWISE and e.value.dtype in _REDUCIBLE:
                groups.setdefault((e.value.dtype, _OPS[str(e.reduction)]), []).append(i)
            else:
                plan.static_gather.append(i)
        else:
            plan.var_gather.append(i)

    def nbytes(idx: list[int]) -> int:
        total = 0
        for i in idx:
            value = plan.entries[i].value
            assert isinstance(value, Tensor)
            total += value.numel() * value.element_size()
        return total

    ordered = sorted(groups.items(), key=lambda kv: (-nbytes(kv[1]), str(kv[0][0]), kv[0][1]))
    if plan.var_gather:
        budget = MAX_COLLECTIVES - 2
    elif plan.static_gather or len(ordered) > MAX_COLLECTIVES:
        budget = MAX_COLLECTIVES - 1
    else:
        budget = MAX_COLLECTIVES
    for (dtype, op), idx in ordered[:budget]:
        plan.reduce_groups.append((dtype, op, idx))
    for _, idx in ordered[budget:]:
        plan.static_gather.extend(idx)
    plan.static_gather.sort()
    return plan


def execute_sync(plan: SyncPlan, group: Any = None) -> dict[Hashable, StateValue]:
    """Run ``plan`` over ``group`` (default: the world) and return the synced value of every entry."""
    world = dist.get_world_size(group)
    out: dict[Hashable, StateValue] = {}
    _run_reduce_groups(plan, group, world, out)
    if plan.static_gather or plan.var_gather:
        _run_gathers(plan, group, world, out)
    return out


def _run_reduce_groups(plan: SyncPlan, group: Any, world: int, out: dict[Hashable, StateValue]) -> None:
    for dtype, op, idx in plan.reduce_groups:
        tensors = [plan.entries[i].value for i in idx]
        flat = torch.cat([t.reshape(-1) for t in tensors])  # type: ignore[union-attr]
        red = {"sum": dist.ReduceOp.SUM, "max": dist.ReduceOp.MAX, "min": dist.ReduceOp.MIN}[op]
        dist.all_reduce(flat, op=red, group=group)
        offset = 0
        for i, t in zip(idx, tensors):
            assert isinstance(t, Tensor)
            n = t.numel()
            value = flat[offset : offset + n].view(t.shape)
            offset += n
            if plan.entries[i].reduction == "mean":
                value = (
                    value / world if dtype.is_floating_point else value.double().div(world).to(plan.entries[i].dtype)
                )
            out[plan.entries[i].key] = value


def _to_bytes(t: Tensor) -> Tensor:
    flat = t.detach().reshape(-1)
    if flat.numel() and flat.stride(0) != 1:  # e.g. a 1-element view with another stride: `contiguous()` keeps it
        flat = flat.clone(memory_format=torch.contiguous_format)
    return flat.view(torch.uint8) if flat.dtype != torch.uint8 else flat


def _padded(n: int) -> int:
    return (n + _ALIGN - 1) // _ALIGN * _ALIGN


def _run_gathers(plan: SyncPlan, group: Any, world: int, out: dict[Hashable, StateValue]) -> None:
    entries = plan.entries
    device = _plan_device(plan)
    local_var = [cat_state(entries[i].value) for i in plan.var_gather]
    # 1. header: per list state, rows (-1: empty), dtype code, ndim, trailing dims.
    width = 3 + _MAX_DIMS
    headers: Tensor | None = None
    if plan.var_gather:
        local = torch.full((len(plan.var_gather), width), -1, dtype=torch.int64)
        for row, t in enumerate(local_var):
            if t is None:
                continue
            if t.ndim > _MAX_DIMS or t.dtype not in _DTYPE_CODE:
                raise ValueError(
                    f"sync: list state {entries[plan.var_gather[row]].key!r} must hold tensors of at most "
                    f"{_MAX_DIMS} dims and a standard dtype, got {t.ndim} dims of {t.dtype}."
                )
            local[row, 0], local[row, 1], local[row, 2] = t.shape[0], _DTYPE_CODE[t.dtype], t.ndim
            local[row, 3 : 3 + t.ndim - 1] = torch.tensor(t.shape[1:], dtype=torch.int64)
        local = local.reshape(-1).to(device)
        parts = [torch.empty_like(local) for _ in range(world)]
        dist.all_gather(parts, local, group=group)
        headers = torch.stack(parts).reshape(world, len(plan.var_gather), width).cpu()

    # 2. one padded byte buffer per rank: static states first, then list states.
    static_sizes = [_padded(entries[i].value.numel() * entries[i].value.element_size()) for i in plan.static_gather]  # type: ignore[union-attr]
    var_specs = _var_specs(plan, headers, world) if headers is not None else []
    rank_sizes = [sum(static_sizes) + sum(_padded(s[r][1]) for s in var_specs) for r in range(world)]
    max_size = max(rank_sizes)
    buf = torch.zeros(max_size, dtype=torch.uint8, device=device)
    offset = 0
    for i, size in zip(plan.static_gather, static_sizes):
        raw = _to_bytes(entries[i].value)  # type: ignore[arg-type]
        buf[offset : offset + raw.numel()] = raw.to(device)
        offset += size
    for t in local_var:
        if t is not None:
            raw = _to_bytes(t)
            buf[offset : offset + raw.numel()] = raw.to(device)
            offset += _padded(raw.numel())
    gathered = [torch.empty_like(buf) for _ in range(world)]
    dist.all_gather(gathered, buf, group=group)

    # 3. unpack and reduce locally, in rank order.
    offset = 0
    for i, size in zip(plan.static_gather, static_sizes):
        e = entries[i]
        assert isinstance(e.value, Tensor)
        n = e.value.numel() * e.value.element_size()
        rows = [_from_bytes(g[offset : offset + n], e.value.dtype, e.value.shape) for g in gathered]
        offset += size
        out[e.key] = _reduce_static(e, torch.stack(rows).to(e.value.device))
    rank_offsets = [offset] * world
    for row, i in enumerate(plan.var_gather):
        e = entries[i]
        pieces: list[Tensor] = []
        for r in range(world):
            shape, nbytes, dtype = var_specs[row][r]
            if shape is None:
                continue
            pieces.append(_from_bytes(gathered[r][rank_offsets[r] : rank_offsets[r] + nbytes], dtype, shape))
            rank_offsets[r] += _padded(nbytes)
        target_device = e.value[0].device if isinstance(e.value, list) and e.value else e.device
        pieces = [p.to(target_device) for p in pieces]
        out[e.key] = _reduce_list(e, pieces)


def _var_specs(plan: SyncPlan, headers: Tensor, world: int) -> list[list[tuple[tuple[int, ...] | None, int, Any]]]:
    specs = []
    for row in range(len(plan.var_gather)):
        per_rank: list[tuple[tuple[int, ...] | None, int, Any]] = []
        for r in range(world):
            h = headers[r, row].tolist()
            if h[0] < 0:
                per_rank.append((None, 0, None))
                continue
            dtype = _DTYPES[h[1]]
            shape = (h[0], *h[3 : 3 + h[2] - 1])
            numel = 1
            for d in shape:
                numel *= d
            per_rank.append((shape, numel * torch.empty((), dtype=dtype).element_size(), dtype))
        specs.append(per_rank)
    return specs


def _from_bytes(raw: Tensor, dtype: torch.dtype, shape: Sequence[int]) -> Tensor:
    if dtype == torch.uint8:
        return raw.reshape(shape)
    if raw.numel() == 0:
        return torch.empty(shape, dtype=dtype, device=raw.device)
    return raw.view(dtype).reshape(shape)


def _plan_device(plan: SyncPlan) -> torch.device:
    for e in plan.entries:
        if isinstance(e.value, Tensor):
            return e.value.device
        if e.value:
            return e.value[0].device
    return plan.entries[0].device


def _reduce_static(entry: StateEntry, stacked: Tensor) -> Any:
    assert isinstance(entry.value, Tensor)
    return reduce_stacked(stacked, entry.reduction, entry.value.dtype)


def _reduce_list(entry: StateEntry, pieces: list[Tensor]) -> StateValue:
    if entry.reduction == "cat":
        if not pieces:
            return []
        return pieces[0] if len(pieces) == 1 else torch.cat(pieces)
    if entry.reduction is None:
        return pieces
    if callable(entry.reduction):
        return entry.reduction(pieces)  # type: ignore[no-any-return]
    # An elementwise reduction on a list state: reduce the concatenation.
    if not pieces:
        return []
    return reduce_stacked(torch.cat(pieces), entry.reduction, pieces[0].dtype)  # type: ignore[no-any-return]


def sync_with_fn(
    entries: Sequence[StateEntry], dist_sync_fn: Callable[..., list[Tensor]], group: Any = None
) -> dict[Hashable, StateValue]:
    """Sync state by state through a user-supplied gather function ``dist_sync_fn(tensor, group=...) -> list``.

    This path honours a custom ``dist_sync_fn`` exactly (one call per state); the batched engine is used otherwise.
    """
    out: dict[Hashable, StateValue] = {}
    for e in entries:
        if isinstance(e.value, Tensor):
            gathered = dist_sync_fn(e.value, group=group)
            out[e.key] = _reduce_static(e, torch.stack([g.reshape(e.value.shape) for g in gathered]))
        else:
            local = cat_state(e.value)
            if local is None:
                local = torch.empty(0, dtype=e.dtype, device=e.device)
            pieces = [p for p in dist_sync_fn(local, group=group) if p.numel()]
            out[e.key] = _reduce_list(e, pieces)
    return out
