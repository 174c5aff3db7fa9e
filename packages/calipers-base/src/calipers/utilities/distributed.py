"""Distributed helpers: is a process group up, and an all-gather that accepts uneven shapes."""

from __future__ import annotations

from typing import Any

import torch
import torch.distributed as dist
from torch import Tensor

__all__ = ["distributed_available", "gather_all_tensors"]

_MAX_DIMS = 8


def distributed_available() -> bool:
    """Whether ``torch.distributed`` is available and a default process group is initialised.

    Example:
        >>> distributed_available()
        False
    """
    return dist.is_available() and dist.is_initialized()


def gather_all_tensors(result: Tensor, group: Any = None) -> list[Tensor]:
    """Gather ``result`` from every rank of ``group``; ranks may hold tensors of different shapes (same ndim).

    Uses two collectives: one for the shapes, one for the data padded to the largest shape. An empty tensor (a
    rank with no data) may have any shape: it takes the trailing shape of the others. Returns every rank's tensor in
    rank order; without a process group, ``[result]``.

    Example:
        >>> import torch
        >>> gather_all_tensors(torch.tensor([1, 2]))
        [tensor([1, 2])]
    """
    if not distributed_available():
        return [result]
    world = dist.get_world_size(group)
    result = result.contiguous()
    if result.ndim > _MAX_DIMS:
        raise ValueError(f"gather_all_tensors: `result` must have at most {_MAX_DIMS} dims, got {result.ndim}.")
    header = torch.full((_MAX_DIMS + 1,), -1, dtype=torch.int64, device=result.device)
    header[0] = result.ndim
    header[1 : 1 + result.ndim] = torch.tensor(result.shape, dtype=torch.int64)
    headers = [torch.empty_like(header) for _ in range(world)]
    dist.all_gather(headers, header, group=group)
    sizes = [tuple(int(d) for d in h[1 : 1 + int(h[0])].tolist()) for h in headers]
    if all(s == sizes[0] for s in sizes):
        out = [torch.empty_like(result) for _ in range(world)]
        dist.all_gather(out, result, group=group)
        return out
    # Shapes differ. An empty tensor (e.g. a rank with no data) takes the trailing shape of the others.
    full = [s for s in sizes if 0 not in s]
    ndim = len(full[0]) if full else max(len(s) for s in sizes)
    if any(len(s) != ndim for s in full):
        raise ValueError(f"gather_all_tensors: ranks hold non-empty tensors of different numbers of dims: {sizes}.")
    trailing = full[0][1:] if full else (0,) * (ndim - 1)
    sizes = [s if 0 not in s or (not full and len(s) == ndim) else (0, *trailing) for s in sizes]
    me = sizes[dist.get_rank(group)]
    local = result.reshape(me) if result.numel() == 0 else result
    max_shape = [max(s[d] for s in sizes) for d in range(ndim)]
    padded = local.new_zeros(max_shape)
    padded[tuple(slice(0, n) for n in local.shape)] = local
    out = [torch.empty_like(padded) for _ in range(world)]
    dist.all_gather(out, padded, group=group)
    return [o[tuple(slice(0, n) for n in s)] for o, s in zip(out, sizes)]
