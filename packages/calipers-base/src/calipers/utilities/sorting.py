"""Sorting helpers for metrics that rank or sort their samples (rank correlations, exact curves).

* :func:`sortable_keys`: integers that sort like floats. On the CPU, torch sorts integers several times faster than
  floats, and the map from a float to its key is exact and invertible.
* :func:`sort_rows`: the rows of a 2-D tensor sorted side by side in threads: a single ``sort`` call over several
  rows runs them one after another, and a multi-row integer sort is slower per row than a 1-D one.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor

import torch
from torch import Tensor

__all__ = ["sort_rows", "sortable_keys", "values_from_keys"]

_PARALLEL_SORT_MIN = 1 << 16  # rows at least this long are sorted concurrently


def sortable_keys(x: Tensor, owned: bool = False) -> Tensor:
    """Integers that sort like the values of ``x``, equal exactly where the values are (``-0.0`` and ``0.0`` too).

    Integer tensors are their own keys. Floats are read as integers of their width (float32 as int32, float64 as
    int64; other floats are widened to float32) with every bit but the sign flipped on negative values, which makes
    signed integer order the float order. Sorting integers is several times faster than sorting floats on the CPU.
    With ``owned=True`` a contiguous float ``x`` of width 32 or 64 is turned into its keys in place.

    Example:
        >>> import torch
        >>> from calipers.utilities.sorting import sortable_keys
        >>> keys = sortable_keys(torch.tensor([0.5, -2.0, -0.0, 0.0, -1.5]))
        >>> keys.argsort(stable=True).tolist(), bool(keys[2] == keys[3])
        ([1, 4, 2, 3, 0], True)
    """
    if not x.is_floating_point():
        return x
    if x.dtype not in (torch.float32, torch.float64) or not (owned and x.is_contiguous()):
        x = x.to(torch.float64 if x.dtype == torch.float64 else torch.float32, copy=True).contiguous()
    x.add_(0.0)  # -0.0 + 0.0 is +0.0
    width = 32 if x.dtype == torch.float32 else 64
    bits = x.view(torch.int32 if width == 32 else torch.int64)
    flip = bits >> (width - 1)  # -1 (every bit set) for negative values, else 0
    flip.bitwise_and_((1 << (width - 1)) - 1)
    return bits.bitwise_xor_(flip)


def sort_rows(keys: Tensor) -> list[tuple[Tensor, Tensor]]:
    """``(sorted, order)`` of each row of ``keys`` (``(r, n)``), the rows of long inputs sorted concurrently.

    One sort call over several rows runs them one after another; in threads (torch releases the GIL while it sorts)
    long rows sort side by side.
    """
    rows = keys.unbind(0)
    if len(rows) < 2 or keys.shape[1] < _PARALLEL_SORT_MIN:
        return [row.sort() for row in rows]
    with ThreadPoolExecutor(max_workers=min(len(rows) - 1, os.cpu_count() or 1)) as pool:
        futures = [pool.submit(torch.sort, row) for row in rows[1:]]
        first = rows[0].sort()  # this thread sorts too
        return [(first[0], first[1]), *((f.result()[0], f.result()[1]) for f in futures)]


def values_from_keys(keys: Tensor, dtype: torch.dtype) -> Tensor:
    """The floats of ``dtype`` whose :func:`sortable_keys` are ``keys`` (the key map is its own inverse).

    Example:
        >>> import torch
        >>> from calipers.utilities.sorting import sortable_keys, values_from_keys
        >>> values_from_keys(sortable_keys(torch.tensor([-1.5, 2.0])).sort().values, torch.float32)
        tensor([-1.5000,  2.0000])
    """
    width = 32 if keys.dtype == torch.int32 else 64
    flip = keys >> (width - 1)
    flip.bitwise_and_((1 << (width - 1)) - 1)
    wide = torch.float32 if width == 32 else torch.float64
    return (keys ^ flip).view(wide).to(dtype)
