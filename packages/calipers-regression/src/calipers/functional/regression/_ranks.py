"""Vectorised ranking helpers of the rank correlations (Spearman, Kendall): every row of a ``(d, n)`` tensor at once.

Ties are exact: values are compared as they are (no epsilon), tied values share the average of their ranks, and
tie groups are counted exactly for Kendall's corrections. No Python loop runs over samples; the only loop in
:func:`count_inversions` runs over the ``ceil(log2 n)`` bits of a rank.
"""

from __future__ import annotations

import torch
from torch import Tensor

from calipers.utilities.sorting import sort_rows, sortable_keys

__all__ = [
    "centred_average_ranks",
    "count_inversions",
    "dense_ranks",
    "rank_dot",
    "sort_rows",
    "sortable_keys",
    "tie_group_sizes",
    "tie_groups",
]


def _run_starts(sorted_rows: Tensor) -> Tensor:
    """``True`` where a run of equal values starts in each sorted row."""
    new = torch.ones_like(sorted_rows, dtype=torch.bool)
    new[:, 1:] = sorted_rows[:, 1:] != sorted_rows[:, :-1]
    return new


def dense_ranks(x: Tensor) -> Tensor:
    """0-based dense ranks (int64) of the values of each row of ``x`` (``(d, n)``): equal values, equal rank.

    Example:
        >>> import torch
        >>> dense_ranks(torch.tensor([[3.0, 1.0, 3.0, 2.0]]))
        tensor([[2, 0, 2, 1]])
    """
    sorted_x, order = x.sort(dim=1)
    dense_sorted = _run_starts(sorted_x).cumsum(1) - 1
    return torch.empty_like(dense_sorted).scatter_(1, order, dense_sorted)


def tie_group_sizes(keys: Tensor) -> Tensor:
    """Sizes of the groups of equal values of each row of int64 ``keys`` (``(d, n)``, values in ``[0, n)``).

    Returns a ``(d, n)`` tensor: entry ``[r, k]`` is how many times ``k`` occurs in row ``r`` (0 for absent values).
    """
    d, n = keys.shape
    flat = keys + torch.arange(d, device=keys.device).unsqueeze(1) * n
    return torch.bincount(flat.reshape(-1), minlength=d * n).reshape(d, n)


def tie_groups(sorted_keys: Tensor) -> tuple[Tensor, Tensor, Tensor, Tensor]:
    """The groups of equal values of one sorted row of ``n`` keys: ``(starts, sizes, ranks, squares)``.

    A group of ``k`` values starting at sorted position ``s`` shares the average rank ``s + (k - 1) / 2`` (0-based);
    ``ranks`` are those minus the mean rank ``(n - 1) / 2`` (float64), ``squares`` the sum of squares of the centred
    ranks of all ``n`` values (each group counted ``k`` times).
    """
    n = sorted_keys.shape[0]
    new = torch.ones(n, dtype=torch.bool, device=sorted_keys.device)
    torch.ne(sorted_keys[1:], sorted_keys[:-1], out=new[1:])
    starts = new.nonzero().squeeze(1)
    sizes = torch.diff(starts, append=torch.tensor([n], device=starts.device))
    ranks = starts.double() + (sizes.double() - 1.0) / 2.0 - (n - 1) / 2.0
    return starts, sizes, ranks, (sizes * ranks * ranks).sum()


def centred_average_ranks(sorted_keys: Tensor, order: Tensor) -> tuple[Tensor, Tensor]:
    """Average ranks minus their mean (float64, original order) and their sum of squares, from one sorted row.

    ``sorted_keys``/``order`` are ``keys.sort()`` of one row (see :func:`tie_groups`).

    Example:
        >>> import torch
        >>> ranks, squares = centred_average_ranks(*torch.tensor([3, 1, 3, 2]).sort())
        >>> ranks.tolist(), squares.item()
        ([1.0, -1.5, 1.0, -0.5], 4.5)
    """
    _, sizes, ranks, squares = tie_groups(sorted_keys)
    sorted_ranks = ranks.repeat_interleave(sizes, output_size=sorted_keys.shape[0])
    return torch.empty_like(sorted_ranks).scatter_(0, order, sorted_ranks), squares


def rank_dot(values: Tensor, sorted_keys: Tensor, order: Tensor) -> tuple[Tensor, Tensor]:
    """``sum_i values[i] * r[i]`` with ``r`` the centred average ranks of a row, and ``r``'s sum of squares.

    ``sorted_keys``/``order`` are ``keys.sort()`` of the row. The ranks are never laid out: ``values`` is taken in
    sorted order, summed per tie group, and each group's sum multiplied by the group's rank.
    """
    starts, sizes, ranks, squares = tie_groups(sorted_keys)
    running = values[order].cumsum(0)
    ends = running[starts + sizes - 1]
    group_sums = torch.diff(ends, prepend=ends.new_zeros(1))
    return torch.dot(group_sums, ranks), squares


def count_inversions(seq: Tensor) -> Tensor:
    """Count the strict inversions of each row of ``seq``.

    ``seq`` is an int64 ``(d, n)`` tensor with values in ``[0, n)``; the result (``(d,)``) counts, per row, the pairs
    ``i < j`` with ``seq[r, i] > seq[r, j]`` (equal values are not inversions).

    A most-significant-bit-first radix partition: at each bit, the elements sharing all higher bits form contiguous
    groups in their original relative order; a 0 bit preceded in its group by ``k`` 1 bits closes ``k`` inversions
    (the pair first differs at this bit); then every group is split stably, zeros first. Each of the
    ``ceil(log2 n)`` passes is a few cumulative sums and one scatter: O(d n log n) work, O(d n) memory.

    Example:
        >>> import torch
        >>> count_inversions(torch.tensor([[2, 0, 1, 1], [0, 1, 2, 3]]))
        tensor([3, 0])
    """
    d, n = seq.shape
    counts = torch.zeros(d, dtype=torch.int64, device=seq.device)
    if n < 2:
        return counts
    bits = (n - 1).bit_length()
    rows = torch.arange(d, device=seq.device, dtype=torch.int64).unsqueeze(1)
    values = (seq.to(torch.int64) + (rows << bits)).reshape(-1)  # the row is the top of every group prefix
    index = torch.arange(d * n, device=seq.device, dtype=torch.int64)
    last = torch.full_like(index, d * n)
    for b in reversed(range(bits)):
        bit = (values >> b) & 1
        prefix = values >> (b + 1)
        new = torch.ones_like(bit, dtype=torch.bool)
        new[1:] = prefix[1:] != prefix[:-1]
        ends = torch.ones_like(new)
        ends[:-1] = new[1:]
        start = torch.where(new, index, 0).cummax(0).values
        end = torch.where(ends, index, last).flip(0).cummin(0).values.flip(0)
        ones_excl = bit.cumsum(0) - bit
        ones_before = ones_excl - ones_excl[start]
        counts += torch.where(bit == 0, ones_before, 0).reshape(d, n).sum(1)
        ones_in_group = ones_excl[end] + bit[end] - ones_excl[start]
        zeros_in_group = end - start + 1 - ones_in_group
        zeros_before = index - start - ones_before
        position = start + torch.where(bit == 0, zeros_before, zeros_in_group + ones_before)
        values = torch.empty_like(values).scatter_(0, position, values)
    return counts
