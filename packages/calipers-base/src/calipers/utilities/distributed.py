"""Distributed helpers: is a process group up, and an all-gather that accepts uneven shapes."""

from __future__ import annotations

from typing import Any

import torch
import torch.distributed as dist
from torch import Tensor

__all__ = ["distributed_available", "gather_all_tensors"]


def distributed_available() -> bool:
    """Whether ``torch.distributed`` is available and a default process group is initialised.

    Example:
        >>> distributed_available()
        False
    """
    return dist.is_available() and dist.is_initialized()


def gather_all_tensors(result: Tensor, group: Any = None) -> list[Tensor]:
    """Gather ``result`` from every rank of ``group``; ranks may hold tensors of different shapes (same ndim).

    Uses two collectives: one for the shapes, one for the data padded to the largest shape. Returns the list of
    every rank's tensor in rank order; without a process group, ``[result]``.

    Example:
        >>> import torch
        >>> gather_all_tensors(torch.tensor([1, 2]))
        [tensor([1, 2])]
    """
    if not distributed_available():
        return [result]
    world = dist.get_world_size(group)
    result = result.contiguous()
    local_shape = torch.tensor(result.shape, dtype=torch.int64, device=result.device)
    shapes = [torch.empty_like(local_shape) for _ in range(world)]
    dist.all_gather(shapes, local_shape, group=group)
    sizes = [tuple(int(d) for d in s.tolist()) for s in shapes]
    if result.ndim == 0 or all(s == sizes[0] for s in sizes):
        out = [torch.empty_like(result) for _ in range(world)]
        dist.all_gather(out, result, group=group)
        return out
    max_shape = [max(s[d] for s in sizes) for d in range(result.ndim)]
    padded = result.new_zeros(max_shape)
    padded[tuple(slice(0, n) for n in result.shape)] = result
    out = [torch.empty_like(padded) for _ in range(world)]
    dist.all_gather(out, padded, group=group)
    return [o[tuple(slice(0, n) for n in s)] for o, s in zip(out, sizes)]
