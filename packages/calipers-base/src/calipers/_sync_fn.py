"""Sync through a user-supplied gather ``dist_sync_fn(tensor, group=...) -> list[Tensor]``, state by state.

The user's function is honoured exactly: it is the only communication. It is called once with a small int64
*descriptor* of this rank's states (reduction, dtype, shape, update count of each; rows, dtype and trailing shape of
each list state; the result of the local checks), then once per state. From the descriptors every rank

* checks that the ranks agree on the plan, and raises the same ``ValueError`` when they do not (or a local check
  failed on any rank), before any state's data is exchanged;
* weighs ``"mean"`` states by the ranks' update counts, as the batched engine does;
* sends, for a list state it has no rows of, an empty placeholder of the dtype and trailing shape that the other
  ranks hold, so that the gather never mixes dtypes.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from typing import Any

import torch
from torch import Tensor

from calipers._state import StateValue, reduce_stacked
from calipers._sync import StateEntry, reduce_list
from calipers._sync_agree import (
    CARRIED_DTYPES,
    DTYPE_CODE,
    MAX_DIMS,
    is_list_entry,
    local_error,
    prepare,
    signature,
    signature_hash,
)

__all__ = ["sync_with_fn"]

_MAGIC = 0x63616C6970657273 >> 2
_HEAD = 8
_ROW = 5 + MAX_DIMS  # kind, reduction code, dtype code, ndim, update count, dims


def _descriptor(entries: Sequence[StateEntry], digest: int, local: Any) -> Tensor:
    head = [_MAGIC, digest, len(entries), -1, 0, 0, 0, 0]
    if local.error is not None:
        head[3:6] = [local.error.index, local.error.code, local.error.detail]
    rows = torch.full((len(entries), _ROW), -1, dtype=torch.int64)
    for i, e in enumerate(entries):
        t = local.rows.get(i) if is_list_entry(e) else e.value
        rows[i, 0] = int(is_list_entry(e))
        rows[i, 1] = signature_hash([[str(getattr(e.reduction, "__qualname__", e.reduction))]])
        rows[i, 4] = e.updates
        if isinstance(t, Tensor):
            rows[i, 2] = DTYPE_CODE.get(t.dtype, -2)
            rows[i, 3] = t.ndim
            dims = list(t.shape[:MAX_DIMS])
            rows[i, 5 : 5 + len(dims)] = torch.tensor(dims, dtype=torch.int64)
    return torch.cat([torch.tensor(head, dtype=torch.int64), rows.reshape(-1)])


def _check(entries: Sequence[StateEntry], descs: list[list[int]]) -> None:
    """Raise the same ``ValueError`` on every rank when a rank failed a local check or the plans differ."""
    for r, d in enumerate(descs):
        if len(d) >= _HEAD and d[0] == _MAGIC and d[4] and 0 <= d[3] < len(entries):
            raise ValueError(local_error(entries[d[3]], d[3], d[4], d[5], r).message + " Every rank raises this error.")
    owner = entries[0].label.rpartition(".")[0] if entries else "Metric"
    if any(len(d) != len(descs[0]) or d[0] != _MAGIC or d[2] != descs[0][2] for d in descs):
        counts = ", ".join(f"rank {r}: {d[2] if len(d) > 2 else '?'}" for r, d in enumerate(descs))
        raise ValueError(f"{owner}.sync: every rank must sync the same states in the same order, got {counts} states.")
    for i, e in enumerate(entries):
        if is_list_entry(e):
            continue
        rows = [d[_HEAD + i * _ROW : _HEAD + (i + 1) * _ROW] for d in descs]
        keys = [(r[0], r[1], r[2], r[3], *r[5 : 5 + max(r[3], 0)]) for r in rows]
        if any(k != keys[0] for k in keys):
            metric, _, state = e.label.rpartition(".")
            got = ", ".join(f"rank {r}: {_text(k)}" for r, k in enumerate(keys))
            raise ValueError(
                f"{metric or 'Metric'}.sync: state `{state or e.key}` must have the same reduction, dtype and shape "
                f"on every rank (nothing was reduced), got {got}."
            )
    if any(d[1] != descs[0][1] for d in descs):
        raise ValueError(
            f"{owner}.sync: every rank must sync the same states (names, kinds and reductions) in the same order, "
            "got ranks whose states differ in their names, kinds or reductions."
        )


def _text(key: tuple[int, ...]) -> str:
    dtype = str(CARRIED_DTYPES[key[2]]).replace("torch.", "") if 0 <= key[2] < len(CARRIED_DTYPES) else "other"
    return f"{dtype} of shape {tuple(key[4:])}"


def _list_layout(descs: list[list[int]], i: int, entry: StateEntry) -> tuple[torch.dtype, tuple[int, ...]]:
    """The dtype and trailing shape of list entry ``i`` on the ranks that hold rows (the first such rank's)."""
    layouts = []
    for d in descs:
        row = d[_HEAD + i * _ROW : _HEAD + (i + 1) * _ROW]
        if row[2] >= 0:
            layouts.append((row[2], tuple(row[6 : 5 + row[3]])))
    if len(set(layouts)) > 1:
        metric, _, state = entry.label.rpartition(".")
        got = ", ".join(f"{CARRIED_DTYPES[c]} rows of trailing shape {t}" for c, t in layouts)
        raise ValueError(
            f"{metric or 'Metric'}.sync: list state `{state or entry.key}` must hold tensors of the same dtype and "
            f"trailing shape on every rank, got {got}."
        )
    if not layouts:
        return entry.dtype, ()
    return CARRIED_DTYPES[layouts[0][0]], layouts[0][1]


def sync_with_fn(
    entries: Sequence[StateEntry], dist_sync_fn: Callable[..., list[Tensor]], group: Any = None
) -> dict[Hashable, StateValue]:
    """Sync through ``dist_sync_fn``: one call with the descriptors (module docstring), then one call per state.

    Raises:
        ValueError: on every rank, when the ranks' plans differ or a local check failed on any rank.
    """
    local = prepare(entries, -1)
    digest = signature_hash(signature(entries))
    descs = [
        g.reshape(-1).to("cpu", torch.int64).tolist()
        for g in dist_sync_fn(_descriptor(entries, digest, local), group=group)
    ]
    _check(entries, descs)
    out: dict[Hashable, StateValue] = {}
    for i, e in enumerate(entries):
        if not is_list_entry(e):
            assert isinstance(e.value, Tensor)
            gathered = dist_sync_fn(e.value, group=group)
            stacked = torch.stack([g.reshape(e.value.shape).to(e.value.device) for g in gathered])
            weights = [d[_HEAD + i * _ROW + 4] for d in descs]
            out[e.key] = reduce_stacked(stacked, e.reduction, e.value.dtype, weights)
            continue
        dtype, trailing = _list_layout(descs, i, e)
        rows = local.rows.get(i)
        device = rows.device if rows is not None else e.device
        sent = rows if rows is not None else torch.empty((0, *trailing), dtype=dtype, device=device)
        holds = [d[_HEAD + i * _ROW + 2] >= 0 for d in descs]  # from the descriptors: a rank's rows, maybe 0 of them
        pieces = [p if held else None for p, held in zip(dist_sync_fn(sent, group=group), holds)]
        out[e.key] = reduce_list(e, pieces, dtype, trailing, device)
    return out
