"""Agreement before reduction: what every rank checks about the others before any state is reduced.

Each rank describes the states it is about to sync — name, kind (tensor or list), reduction, and for a tensor state
its dtype and shape — and hashes the description (:func:`signature_hash`). The hash travels in the first
collective of the sync, with the result of the local checks that can fail on one rank only (a list element of too
many dimensions or of a dtype the sync cannot carry, a state that is not a tensor). When the hashes differ or any
rank failed a check, every rank learns it from that same collective, and every rank raises the same ``ValueError``
(composed by :func:`disagreement_message` from every rank's description), naming the metric and the state. No rank
is left waiting in a collective, and no value is truncated or padded.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import torch
from torch import Tensor

from calipers._state import cat_state

if TYPE_CHECKING:
    from calipers._sync import StateEntry

__all__ = [
    "CARRIED_DTYPES",
    "MAX_DIMS",
    "LocalError",
    "LocalStates",
    "disagreement_message",
    "is_list_entry",
    "local_error",
    "owner_of",
    "prepare",
    "signature",
    "signature_hash",
]

MAX_DIMS = 8
CARRIED_DTYPES: tuple[torch.dtype, ...] = (
    torch.float32, torch.float64, torch.float16, torch.bfloat16, torch.int64, torch.int32, torch.int16, torch.int8,
    torch.uint8, torch.bool, torch.complex64, torch.complex128, torch.uint16, torch.uint32, torch.uint64,
)  # fmt: skip
DTYPE_CODE = {dt: i for i, dt in enumerate(CARRIED_DTYPES)}

# Local check failures (codes travel in the first collective).
NOT_A_TENSOR = 1
TOO_MANY_DIMS = 2
UNCARRIED_DTYPE = 3
ROWS_DO_NOT_CONCATENATE = 4


@dataclass(frozen=True)
class LocalError:
    """A local check that failed: which entry, a code, an integer detail and the message every rank will raise."""

    index: int
    code: int
    detail: int
    message: str


@dataclass
class LocalStates:
    """What a rank prepared for the sync: the rows of each list entry (``None``: no rows) and the first failure."""

    rows: dict[int, Tensor | None] = field(default_factory=dict)
    error: LocalError | None = None


def is_list_entry(entry: StateEntry) -> bool:
    """List states (and ``"cat"`` states that already hold one tensor) travel as rows of varying length."""
    return isinstance(entry.value, list) or entry.reduction == "cat"


def _split_label(entry: StateEntry) -> tuple[str, str]:
    metric, _, state = entry.label.rpartition(".")
    return (metric or "Metric"), (state or str(entry.key))


def owner_of(entries: Sequence[StateEntry]) -> str:
    """The metric class names of ``entries`` for messages: ``"MeanMetric"``, ``"MeanMetric, SumMetric"``..."""
    names: list[str] = []
    for e in entries:
        name = _split_label(e)[0]
        if name not in names:
            names.append(name)
    return ", ".join(names[:4]) + (", ..." if len(names) > 4 else "") if names else "Metric"


def _reduction_name(reduction: Any) -> str:
    if reduction is None or isinstance(reduction, str):
        return str(reduction)
    return f"{getattr(reduction, '__module__', '')}.{getattr(reduction, '__qualname__', type(reduction).__name__)}"


def signature(entries: Sequence[StateEntry]) -> list[list[Any]]:
    """Per entry ``[label, kind, reduction, dtype, shape]`` (dtype and shape only for tensor states)."""
    out: list[list[Any]] = []
    for e in entries:
        red = _reduction_name(e.reduction)
        if is_list_entry(e):
            out.append([e.label, "list", red, None, None])
        elif isinstance(e.value, Tensor):
            out.append([e.label, "tensor", red, str(e.value.dtype).replace("torch.", ""), list(e.value.shape)])
        else:
            out.append([e.label, "tensor", red, type(e.value).__name__, None])
    return out


def signature_hash(sig: list[list[Any]]) -> int:
    """A 63-bit hash of a signature, the same in every process (unlike ``hash()``, which is salted)."""
    digest = hashlib.blake2b(json.dumps(sig).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "little") >> 1


def local_error(entry: StateEntry, index: int, code: int, detail: int, rank: int) -> LocalError:
    """The error of a failed local check (``code``, ``detail``) on ``rank``; every rank composes the same text."""
    metric, state = _split_label(entry)
    what = f"state `{state}` of {metric}"
    if code == NOT_A_TENSOR:
        text = f"{what} must be a tensor (or a list of tensors), got another object on rank {rank}"
    elif code == TOO_MANY_DIMS:
        text = f"list {what} must hold tensors of at most {MAX_DIMS} dims, got {detail} dims on rank {rank}"
    elif code == UNCARRIED_DTYPE:
        names = ", ".join(str(d).replace("torch.", "") for d in CARRIED_DTYPES)
        text = f"list {what} must hold tensors of one of the dtypes {names}, got {_dtype_name(detail)} on rank {rank}"
    else:
        text = f"list {what} must hold tensors that concatenate along dim 0, got tensors that do not on rank {rank}"
    return LocalError(index, code, detail, f"{metric}.sync: {text}.")


_ALL_DTYPES = sorted({v for v in vars(torch).values() if isinstance(v, torch.dtype)}, key=str)


def _dtype_code(dtype: torch.dtype) -> int:
    return _ALL_DTYPES.index(dtype) if dtype in _ALL_DTYPES else -1


def _dtype_name(code: int) -> str:
    return str(_ALL_DTYPES[code]).replace("torch.", "") if 0 <= code < len(_ALL_DTYPES) else "an unknown dtype"


def prepare(entries: Sequence[StateEntry], rank: int) -> LocalStates:
    """Concatenate the rows of each list entry and run the checks that can fail on one rank; never raises."""
    local = LocalStates()
    for i, e in enumerate(entries):
        error: tuple[int, int] | None = None
        if is_list_entry(e):
            value = e.value
            if isinstance(value, list) and not all(isinstance(v, Tensor) for v in value):
                error = (NOT_A_TENSOR, 0)
                local.rows[i] = None
            else:
                try:
                    rows = cat_state(value)
                except (RuntimeError, TypeError, ValueError):
                    rows, error = None, (ROWS_DO_NOT_CONCATENATE, 0)
                if rows is not None and rows.ndim > MAX_DIMS:
                    error = (TOO_MANY_DIMS, rows.ndim)
                elif rows is not None and rows.dtype not in DTYPE_CODE:
                    error = (UNCARRIED_DTYPE, _dtype_code(rows.dtype))
                local.rows[i] = rows
        elif not isinstance(e.value, Tensor):
            error = (NOT_A_TENSOR, 0)
        if error is not None and local.error is None:
            local.error = local_error(e, i, error[0], error[1], rank)
    return local


def disagreement_message(details: Sequence[dict[str, Any]]) -> str:
    """The one message every rank raises, from every rank's ``{"sig": signature, "error": message or None}``."""
    for detail in details:
        if detail["error"]:
            return f"{detail['error']} Every rank raises this error."
    sigs = [d["sig"] for d in details]
    world = len(sigs)
    for i in range(max(len(s) for s in sigs)):
        rows = [s[i] if i < len(s) else None for s in sigs]
        if all(r == rows[0] for r in rows):
            continue
        first = next(r for r in rows if r is not None)
        metric, _, state = str(first[0]).rpartition(".")
        labels = {r[0] if r else None for r in rows}
        if len(labels) > 1 or any(r is None for r in rows):
            got = ", ".join(f"rank {k}: {'no state' if r is None else repr(r[0])}" for k, r in enumerate(rows))
            return (
                f"{metric or 'Metric'}.sync: every rank must sync the same states in the same order; state "
                f"#{i} differs, got {got}."
            )
        fields = [
            name
            for j, name in ((1, "kind"), (2, "reduction"), (3, "dtype"), (4, "shape"))
            if len({json.dumps(r[j]) for r in rows if r is not None}) > 1
        ]
        got = ", ".join(f"rank {k}: {_describe(r)}" for k, r in enumerate(rows) if r is not None)
        return (
            f"{metric or 'Metric'}.sync: state `{state}` must have the same {' and '.join(fields)} on every rank "
            f"(nothing was reduced), got {got}."
        )
    return f"sync: the ranks' sync plans differ ({world} ranks), but no state differs."  # pragma: no cover


def _describe(row: list[Any]) -> str:
    _, kind, red, dtype, shape = row
    if kind == "list":
        return f"a list state ({red})"
    return f"{dtype} of shape {tuple(shape) if shape is not None else '?'} ({red})"
