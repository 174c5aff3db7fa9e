"""The sync engine: agree on a plan, then synchronise many states as one batch with few collectives.

``plan_sync`` sorts the states of one metric (or of a whole collection) into

* **reduce groups**: fixed-shape states with an elementwise reduction, packed by ``(dtype, op)`` into one flat
  buffer each and reduced with one ``all_reduce``; ``"mean"`` states join a wide group (float64, or int64 for
  integer and bool states) as ``[w * value, value, w]``, ``w`` being the rank's update count;
* **static gathers**: fixed-shape states that need every rank's value (custom or no reduction, dtypes that
  ``all_reduce`` cannot take, and reduce groups past the collective budget);
* **variable gathers**: list states, whose length differs from rank to rank (a rank may have none).

``execute_sync`` then issues at most ``MAX_COLLECTIVES`` (3) collectives whatever the number of states:

1. one ``all_gather`` of a fixed-size **slot** (``SLOT_BYTES``) per rank: the hash of the rank's plan (names,
   reductions, dtypes and shapes; see :mod:`calipers._sync_agree`), the result of its local checks, the size of its
   list data, and — when it fits — the whole payload (every state's bytes and the list headers). If the ranks
   disagree, every rank raises the same ``ValueError`` (after one more exchange that only serves the message). If
   every rank's payload fitted, the sync is over: one collective.
2. otherwise, ``all_reduce`` calls, one per reduce group (at most two, or one when a gather follows);
3. one ``all_gather`` of a single padded byte buffer holding the list headers, every gathered state and the list
   rows of each rank.

A rank that never called ``update`` (empty lists, default tensors) takes part like any other and contributes
nothing to the lists: no rank ever waits on a collective that another rank skips. A collective that fails (the
process group's timeout when a rank never calls ``compute``) is re-raised as a ``MetricStateError`` naming the
metric.
"""

from __future__ import annotations

import json
from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field
from typing import Any

import torch
import torch.distributed as dist
from torch import Tensor

from calipers._state import ELEMENTWISE, Reduction, StateValue, finish_mean, reduce_stacked, wide_dtype
from calipers._sync_agree import (
    CARRIED_DTYPES,
    DTYPE_CODE,
    MAX_DIMS,
    LocalStates,
    disagreement_message,
    is_list_entry,
    owner_of,
    prepare,
    signature,
    signature_hash,
)
from calipers.exceptions import MetricStateError

__all__ = [
    "MAX_COLLECTIVES",
    "SLOT_BYTES",
    "StateEntry",
    "SyncPlan",
    "collective",
    "execute_sync",
    "plan_sync",
    "reduce_list",
]

MAX_COLLECTIVES = 3
SLOT_BYTES = 4096  # the first collective's fixed size per rank; a payload up to SLOT_BYTES - 64 travels inline
_HEAD = 8  # int64 words at the start of the slot
_MAGIC = 0x63616C6970657273 >> 1  # "calipers"
_ROW = 3 + MAX_DIMS  # a list header row: rows (-1: none), dtype code, ndim, trailing dims
_ALIGN = 16
_REDUCIBLE = frozenset({torch.float32, torch.float64, torch.float16, torch.bfloat16, torch.int64, torch.int32})


@dataclass(frozen=True)
class StateEntry:
    """One state to synchronise.

    Its key, value and reduction, the device/dtype used when it is empty, a label for messages
    (``"MeanMetric.weight"``) and the update count of its metric (the weight of a ``"mean"`` state).
    """

    key: Hashable
    value: StateValue
    reduction: Reduction
    device: torch.device
    dtype: torch.dtype
    label: str = ""
    updates: int = 1


@dataclass
class SyncPlan:
    """Which entry travels by which collective. Build it with :func:`plan_sync`."""

    entries: list[StateEntry]
    reduce_groups: list[tuple[torch.dtype, str, list[int]]] = field(default_factory=list)
    static_gather: list[int] = field(default_factory=list)
    var_gather: list[int] = field(default_factory=list)
    tensor_entries: list[int] = field(default_factory=list)

    @property
    def num_collectives(self) -> int:
        """Collectives :func:`execute_sync` issues when the payload does not fit in the slot (at most 3)."""
        return 1 + len(self.reduce_groups) + (1 if self.var_gather or self.static_gather else 0)


def _group_key(entry: StateEntry) -> tuple[torch.dtype, str] | None:
    value = entry.value
    assert isinstance(value, Tensor)
    if entry.reduction == "mean":
        return None if value.dtype.is_complex else (wide_dtype(value.dtype), "sum")
    if entry.reduction in ELEMENTWISE and value.dtype in _REDUCIBLE:
        return value.dtype, str(entry.reduction)
    return None


def _packed_bytes(entry: StateEntry) -> int:
    value = entry.value
    assert isinstance(value, Tensor)
    return (2 * value.numel() + 1) * 8 if entry.reduction == "mean" else value.numel() * value.element_size()


def plan_sync(entries: Sequence[StateEntry]) -> SyncPlan:
    """Plan the sync of ``entries``; :func:`execute_sync` checks that every rank planned the same."""
    plan = SyncPlan(entries=list(entries))
    groups: dict[tuple[torch.dtype, str], list[int]] = {}
    for i, e in enumerate(plan.entries):
        if is_list_entry(e):
            plan.var_gather.append(i)
            continue
        plan.tensor_entries.append(i)
        key = _group_key(e) if isinstance(e.value, Tensor) else None
        if key is None:
            plan.static_gather.append(i)
        else:
            groups.setdefault(key, []).append(i)
    ordered = sorted(
        groups.items(), key=lambda kv: (-sum(_packed_bytes(plan.entries[i]) for i in kv[1]), str(kv[0][0]), kv[0][1])
    )
    if plan.var_gather or plan.static_gather or len(ordered) > MAX_COLLECTIVES - 1:
        budget = MAX_COLLECTIVES - 2  # the slot, this many all_reduces, the gather
    else:
        budget = len(ordered)
    for (dtype, op), idx in ordered[:budget]:
        plan.reduce_groups.append((dtype, op, idx))
    for _, idx in ordered[budget:]:
        plan.static_gather.extend(idx)
    plan.static_gather.sort()
    return plan


def collective(name: str, owner: str, *args: Any, **kwargs: Any) -> None:
    """Call ``torch.distributed.<name>``; a failure (a timeout, a lost peer) names the metric and the cause."""
    try:
        getattr(dist, name)(*args, **kwargs)
    except RuntimeError as err:  # torch.distributed.DistBackendError (a timeout) derives from RuntimeError
        first = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
        raise MetricStateError(
            f"{owner}.sync: a collective of the distributed sync failed ({first}). Every rank of the process "
            "group must call `compute` (or `sync`) together: a rank that skips it leaves the others waiting until "
            "the process group's timeout."
        ) from err


def execute_sync(plan: SyncPlan, group: Any = None) -> dict[Hashable, StateValue]:
    """Run ``plan`` over ``group`` (default: the world) and return the synced value of every entry.

    Raises:
        ValueError: on every rank, when the ranks' plans differ or a local check failed on any rank.
        MetricStateError: when a collective fails (e.g. the process group's timeout).
    """
    if not plan.entries:  # a metric without states: nothing to agree on or to exchange (as every rank sees)
        return {}
    world, rank = dist.get_world_size(group), dist.get_rank(group)
    owner = owner_of(plan.entries)
    device = _plan_device(plan)
    sig = signature(plan.entries)
    digest = signature_hash(sig)
    local = prepare(plan.entries, rank)
    var_bytes = sum(_padded(_nbytes(t)) for t in local.rows.values() if t is not None)
    fits = local.error is None and _payload_size(plan, plan.tensor_entries, var_bytes) <= SLOT_BYTES - 8 * _HEAD
    inline = _payload(plan, local, plan.tensor_entries, device) if fits else None
    head = torch.tensor([_MAGIC, digest, len(plan.entries), int(local.error is not None), var_bytes, int(fits), 0, 0])
    slot = torch.zeros(SLOT_BYTES, dtype=torch.uint8, device=device)
    slot[: 8 * _HEAD] = head.view(torch.uint8).to(device)
    if fits:
        assert inline is not None
        slot[8 * _HEAD : 8 * _HEAD + inline.numel()] = inline
    slots = [torch.empty_like(slot) for _ in range(world)]
    collective("all_gather", owner, slots, slot, group=group)
    heads = torch.stack([s[: 8 * _HEAD] for s in slots]).cpu().view(torch.int64).reshape(world, _HEAD).tolist()
    if any(h[0] != _MAGIC or h[1] != digest or h[2] != len(plan.entries) or h[3] for h in heads):
        _raise_disagreement(sig, local, group, world, device, owner)
    out: dict[Hashable, StateValue] = {}
    if all(h[5] for h in heads):
        _unpack(plan, [s[8 * _HEAD :] for s in slots], plan.tensor_entries, out)
        return out
    _run_reduce_groups(plan, group, world, owner, out)
    if plan.static_gather or plan.var_gather:
        size = _payload_size(plan, plan.static_gather, max(h[4] for h in heads))  # the largest rank's
        padded = _payload(plan, local, plan.static_gather, device, size)
        gathered = [torch.empty_like(padded) for _ in range(world)]
        collective("all_gather", owner, gathered, padded, group=group)
        _unpack(plan, gathered, plan.static_gather, out)
    return out


def _raise_disagreement(
    sig: list[list[Any]], local: LocalStates, group: Any, world: int, device: torch.device, owner: str
) -> None:
    """Exchange every rank's description (two small gathers, on the error path only) and raise the same error."""
    detail = json.dumps({"sig": sig, "error": local.error.message if local.error else None}).encode()
    size = torch.tensor([len(detail)], dtype=torch.int64, device=device)
    sizes = [torch.empty_like(size) for _ in range(world)]
    collective("all_gather", owner, sizes, size, group=group)
    lengths = [int(s.item()) for s in sizes]
    buf = torch.zeros(max(lengths), dtype=torch.uint8, device=device)
    buf[: len(detail)] = torch.frombuffer(bytearray(detail), dtype=torch.uint8).to(device)
    parts = [torch.empty_like(buf) for _ in range(world)]
    collective("all_gather", owner, parts, buf, group=group)
    details = [json.loads(bytes(p[:n].cpu().tolist()).decode()) for p, n in zip(parts, lengths)]
    raise ValueError(disagreement_message(details))


def _run_reduce_groups(plan: SyncPlan, group: Any, world: int, owner: str, out: dict[Hashable, StateValue]) -> None:
    ops = {"sum": dist.ReduceOp.SUM, "max": dist.ReduceOp.MAX, "min": dist.ReduceOp.MIN}
    for dtype, op, idx in plan.reduce_groups:
        parts: list[Tensor] = []
        for i in idx:
            e = plan.entries[i]
            assert isinstance(e.value, Tensor)
            if e.reduction == "mean":
                v = e.value.detach().reshape(-1).to(dtype)
                parts += [v * e.updates, v, torch.full((1,), e.updates, dtype=dtype, device=v.device)]
            else:
                parts.append(e.value.detach().reshape(-1))
        flat = torch.cat(parts)
        collective("all_reduce", owner, flat, op=ops[op], group=group)
        offset = 0
        for i in idx:
            e = plan.entries[i]
            assert isinstance(e.value, Tensor)
            n = e.value.numel()
            if e.reduction == "mean":
                sum_wv, sum_v = flat[offset : offset + n], flat[offset + n : offset + 2 * n]
                total = int(flat[offset + 2 * n].item())
                value = finish_mean(sum_wv, sum_v, total, world, e.value.dtype).view(e.value.shape)
                offset += 2 * n + 1
            else:
                value = flat[offset : offset + n].view(e.value.shape)
                offset += n
            out[e.key] = value


def _nbytes(t: Tensor) -> int:
    return t.numel() * t.element_size()


def _padded(n: int) -> int:
    return (n + _ALIGN - 1) // _ALIGN * _ALIGN


def _to_bytes(t: Tensor) -> Tensor:
    flat = t.detach().reshape(-1)
    if flat.numel() and flat.stride(0) != 1:  # e.g. a 1-element view with another stride: `contiguous()` keeps it
        flat = flat.clone(memory_format=torch.contiguous_format)
    return flat.view(torch.uint8) if flat.dtype != torch.uint8 else flat


def _from_bytes(raw: Tensor, dtype: torch.dtype, shape: Sequence[int]) -> Tensor:
    if dtype == torch.uint8:
        return raw.reshape(shape)
    if raw.numel() == 0:
        return torch.empty(shape, dtype=dtype, device=raw.device)
    return raw.view(dtype).reshape(shape)


def _payload_size(plan: SyncPlan, statics: list[int], var_bytes: int) -> int:
    """The size of :func:`_payload` without building it."""
    size = _padded(len(plan.var_gather) * _ROW * 8) + var_bytes
    for i in statics:
        value = plan.entries[i].value
        size += _padded(_nbytes(value)) if isinstance(value, Tensor) else 0
        size += _ALIGN if plan.entries[i].reduction == "mean" else 0
    return size


def _payload(plan: SyncPlan, local: LocalStates, statics: list[int], device: torch.device, size: int = 0) -> Tensor:
    """This rank's bytes: list headers, then the ``statics`` (a ``"mean"`` followed by its update count), then rows.

    Zero-padded to ``size`` bytes when it is larger.
    """
    header = torch.full((len(plan.var_gather), _ROW), -1, dtype=torch.int64)
    for row, i in enumerate(plan.var_gather):
        t = local.rows[i]
        if t is not None:
            header[row, 0], header[row, 1], header[row, 2] = t.shape[0], DTYPE_CODE[t.dtype], t.ndim
            header[row, 3 : 2 + t.ndim] = torch.tensor(t.shape[1:], dtype=torch.int64)
    pieces: list[Tensor] = [header]
    for i in statics:
        e = plan.entries[i]
        assert isinstance(e.value, Tensor)
        pieces.append(e.value)
        if e.reduction == "mean":
            pieces.append(torch.tensor([e.updates], dtype=torch.int64))
    pieces += [t for t in (local.rows[i] for i in plan.var_gather) if t is not None]
    chunks: list[Tensor] = []
    for p in pieces:
        raw = _to_bytes(p).to(device)
        chunks.append(raw)
        pad = _padded(raw.numel()) - raw.numel()
        if pad:
            chunks.append(torch.zeros(pad, dtype=torch.uint8, device=device))
    total = sum(c.numel() for c in chunks)
    if size > total:
        chunks.append(torch.zeros(size - total, dtype=torch.uint8, device=device))
    return torch.cat(chunks) if chunks else torch.zeros(0, dtype=torch.uint8, device=device)


def _unpack(plan: SyncPlan, bufs: list[Tensor], statics: list[int], out: dict[Hashable, StateValue]) -> None:
    """Read every rank's payload (the layout of :func:`_payload`) and reduce each state locally, in rank order."""
    entries, world = plan.entries, len(bufs)
    header_bytes = len(plan.var_gather) * _ROW * 8
    offset = _padded(header_bytes)
    headers: list[list[list[int]]] = [[] for _ in bufs]
    if header_bytes:
        stacked = torch.stack([b[:header_bytes] for b in bufs]).cpu()
        headers = stacked.view(torch.int64).reshape(world, -1, _ROW).tolist()
    pending_counts: list[tuple[int, list[Tensor]]] = []  # a "mean" state's update count on every rank
    stacks: dict[int, Tensor] = {}
    for i in statics:
        e = entries[i]
        assert isinstance(e.value, Tensor)
        n = _nbytes(e.value)
        rows = [_from_bytes(b[offset : offset + n], e.value.dtype, e.value.shape) for b in bufs]
        offset += _padded(n)
        stacks[i] = torch.stack(rows).to(e.value.device)
        if e.reduction == "mean":
            pending_counts.append((i, [b[offset : offset + 8] for b in bufs]))
            offset += _ALIGN
    counts: dict[int, list[int]] = {}
    if pending_counts:
        flat = torch.stack([c for _, cs in pending_counts for c in cs]).cpu().view(torch.int64).reshape(-1)
        values = flat.tolist()
        for k, (i, _) in enumerate(pending_counts):
            counts[i] = values[k * world : (k + 1) * world]
    for i in statics:
        e = entries[i]
        assert isinstance(e.value, Tensor)
        out[e.key] = reduce_stacked(stacks[i], e.reduction, e.value.dtype, counts.get(i, ()))
    rank_offsets = [offset] * world
    for row, i in enumerate(plan.var_gather):
        e = entries[i]
        specs = [headers[r][row] for r in range(world)]
        present = [s for s in specs if s[0] >= 0]
        layouts = {(s[1], tuple(s[3 : 2 + s[2]])) for s in present}
        if len(layouts) > 1:
            got = ", ".join(f"rank {r}: {_spec_text(s)}" for r, s in enumerate(specs) if s[0] >= 0)
            metric, _, state = e.label.rpartition(".")
            raise ValueError(
                f"{metric or 'Metric'}.sync: list state `{state or e.key}` must hold tensors of the same dtype and "
                f"trailing shape on every rank, got {got}."
            )
        dtype: torch.dtype = e.dtype  # when no rank has rows
        trailing: tuple[int, ...] = ()
        if present:
            dtype, trailing = CARRIED_DTYPES[present[0][1]], tuple(present[0][3 : 2 + present[0][2]])
        target = e.value[0].device if isinstance(e.value, list) and e.value else e.device
        pieces: list[Tensor | None] = []
        for r, s in enumerate(specs):
            if s[0] < 0:
                pieces.append(None)
                continue
            shape = (s[0], *trailing)
            n = s[0] * _row_bytes(trailing, dtype)
            pieces.append(_from_bytes(bufs[r][rank_offsets[r] : rank_offsets[r] + n], dtype, shape).to(target))
            rank_offsets[r] += _padded(n)
        out[e.key] = reduce_list(e, pieces, dtype, trailing, target)


def _row_bytes(trailing: tuple[int, ...], dtype: torch.dtype) -> int:
    n = torch.empty((), dtype=dtype).element_size()
    for d in trailing:
        n *= d
    return n


def _spec_text(spec: list[int]) -> str:
    dtype = str(CARRIED_DTYPES[spec[1]]).replace("torch.", "")
    return f"{dtype} rows of trailing shape {tuple(spec[3 : 2 + spec[2]])}"


def _plan_device(plan: SyncPlan) -> torch.device:
    for e in plan.entries:
        if isinstance(e.value, Tensor):
            return e.value.device
        if e.value and isinstance(e.value[0], Tensor):
            return e.value[0].device
    return plan.entries[0].device


def reduce_list(
    entry: StateEntry, pieces: list[Tensor | None], dtype: torch.dtype, trailing: tuple[int, ...], device: Any
) -> StateValue:
    """The synced value of a list state from each rank's rows (``None``: the rank has none), in rank order.

    ``"cat"``: the rows concatenated (``[]`` when no rank has any). ``None``: one tensor per rank, an empty one of the
    others' dtype and trailing shape for a rank without rows. A callable: applied to the ranks' rows that exist.
    """
    present = [p for p in pieces if p is not None]
    if entry.reduction == "cat":
        if not present:
            return []
        return present[0] if len(present) == 1 else torch.cat(present)
    if entry.reduction is None:
        return [p if p is not None else torch.empty((0, *trailing), dtype=dtype, device=device) for p in pieces]
    if callable(entry.reduction):
        return entry.reduction(present)  # type: ignore[no-any-return]
    # An elementwise reduction on a list state: reduce the concatenation.
    if not present:
        return []
    return reduce_stacked(torch.cat(present), entry.reduction, present[0].dtype)  # type: ignore[no-any-return]
