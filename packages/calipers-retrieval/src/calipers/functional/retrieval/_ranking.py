"""All queries ranked at once: one sort by (query, descending score), then segment layout.

**Tie rule.** Rows are ordered by query, then by descending score, then non-relevant before relevant: among
documents with equal scores a relevant one is never ranked above a non-relevant one (the pessimistic order, the
same for every metric and independent of the order of the rows). :func:`~calipers.functional.retrieval.
retrieval_normalized_dcg` instead averages the gains of tied documents (as TorchMetrics and scikit-learn do), and
:func:`~calipers.functional.retrieval.retrieval_auroc` counts a tied (relevant, non-relevant) pair as half (as
scikit-learn does); both only depend on the tie groups, never on the order inside one.

**Sort.** The general path sorts three times, stably: by the relevance bit, by the score key, by the query.
The fast path packs ``query << 33 | descending score key << 1 | relevance bit`` into one ``int64`` and sorts once;
it applies when the scores fit 32-bit keys (float32/float16/bfloat16) and the query ids lie in ``[0, 2**30)``
(predicate :func:`one_key`; workload ``retrieval.ndcg`` of tools/bench). Equal packed keys are identical rows, so
that sort need not be stable.

**Sharing.** :func:`ranking_of` keeps the last ranking with the state objects it was built from, so the members of
a :class:`~calipers.MetricCollection` compute group (which hold the same state objects) sort once.
"""

from __future__ import annotations

from functools import cached_property, reduce
from typing import Any

import torch
from torch import Tensor

from calipers._checks import check_labels
from calipers.utilities.sorting import sortable_keys

__all__ = ["Ranking", "descending_keys", "forget", "one_key", "rank", "rank_query", "ranking_of", "result_dtype"]

_SCORE_BITS = 32  # the fast path packs keys of at most this width (query ids then lie in [0, 2**30))


def descending_keys(x: Tensor) -> tuple[Tensor, int]:
    """``int64`` keys that sort ascending in the *descending* order of ``x``, and their width in bits.

    Width 32: keys in ``[0, 2**32)`` (floats of at most 32 bits, integers that fit in ``int32``); width 64
    otherwise (float64, wide integers).
    """
    if x.dtype == torch.bool:
        x = x.to(torch.int32)
    if x.is_floating_point():
        keys = sortable_keys(x)
        if keys.dtype == torch.int32:
            return (~keys).long() + (1 << 31), 32
        return ~keys, 64
    if x.dtype != torch.int64 or x.numel() == 0 or all(abs(int(v) + 0.5) < (1 << 31) for v in torch.aminmax(x)):
        return (~x.long()) + (1 << 31), 32
    return ~x, 64


def one_key(primary: Tensor, width: int, low_bits: int) -> bool:
    """Whether ``primary`` packs with a key of ``width`` bits and ``low_bits`` more into one ``int64`` (fast path).

    It must be non-negative and below ``2**(63 - width - low_bits)``, and ``width`` at most 32.
    """
    if width > _SCORE_BITS:
        return False
    if primary.numel() == 0:
        return True
    low, high = (int(v) for v in torch.aminmax(primary))
    return low >= 0 and high < (1 << (63 - width - low_bits))


def _packed(preds: Tensor, relevant: Tensor, indexes: Tensor) -> Tensor:
    """``query << 33 | descending 32-bit score key << 1 | relevance bit`` of the rows."""
    keys, width = descending_keys(preds)
    return (indexes << (width + 1)) | (keys << 1) | relevant.long()


def rank(preds: list[Tensor], relevant: list[Tensor], indexes: list[Tensor]) -> tuple[Tensor, Tensor, Tensor, Tensor]:
    """``(order, query, relevant, tie_start)`` of the rows (given in chunks, e.g. batches) in rank order.

    ``order`` maps rank positions to rows, ``query`` holds the sorted query ids, ``relevant`` the sorted relevance
    bits and ``tie_start`` marks the first row of each group of equal (query, score). Whole-array operations
    (rather than one per chunk) keep the number of kernels small: on a busy CPU each parallel kernel may wait for a
    descheduled thread.
    """
    scores, rel_all, idx_all = _cat(preds), _cat(relevant), _cat(indexes)
    if scores.dtype in (torch.float32, torch.float16, torch.bfloat16) and one_key(idx_all, _SCORE_BITS, 1):
        packed, order = _packed(scores, rel_all, idx_all).sort()
        query = packed >> (_SCORE_BITS + 1)
        rel = (packed & 1).bool()
        group = packed >> 1
    else:
        keys = descending_keys(scores)[0]
        order = torch.argsort(rel_all.to(torch.int8), stable=True)
        order = order[torch.argsort(keys[order], stable=True)]
        order = order[torch.argsort(idx_all[order], stable=True)]
        query, rel = idx_all[order], rel_all[order]
        group = keys[order]
    tie_start = torch.ones(query.shape, dtype=torch.bool, device=query.device)
    if query.numel() > 1:
        tie_start[1:] = (group[1:] != group[:-1]) | (query[1:] != query[:-1])
    return order, query, rel, tie_start


def _cat(chunks: list[Tensor]) -> Tensor:
    return chunks[0] if len(chunks) == 1 else torch.cat(chunks)


def _chunks(value: Tensor | list[Tensor]) -> list[Tensor]:
    if isinstance(value, Tensor):
        return [value.reshape(-1)]
    return [v.reshape(-1) for v in value if v.numel()]


class Ranking:
    """Rows ranked per query (module docstring) and the per-query quantities every metric reads, built lazily.

    Attributes: ``num_queries`` Q; ``query_ids`` (Q,), the sorted distinct query ids; ``counts`` (Q,) rows per
    query; ``starts`` (Q,) first rank position of each query; ``seg`` (N,) the query (0..Q-1) of each ranked row;
    ``pos`` (N,) its 0-based rank inside its query; ``rel`` (N,) its relevance; ``tie_start`` (N,) the first row of
    each tie group. The rows come as tensors or lists of chunks (a metric's list states).
    """

    def __init__(
        self, preds: Tensor | list[Tensor], target: Tensor | list[Tensor], indexes: Tensor | list[Tensor]
    ) -> None:
        p, self._targets, i = _chunks(preds), _chunks(target), _chunks(indexes)
        self.device = p[0].device
        self.dtype = result_dtype(torch.empty(0, dtype=reduce(torch.promote_types, [c.dtype for c in p])))
        self.binary_storage = all(t.dtype == torch.bool for t in self._targets)
        relevant = self.target if self.binary_storage else self.target > 0
        self.order, query, self.rel, self.tie_start = rank(p, [relevant], i)
        n = query.shape[0]
        new = torch.ones(n, dtype=torch.bool, device=self.device)
        if n > 1:
            new[1:] = query[1:] != query[:-1]
        self.starts = new.nonzero().reshape(-1)
        self.num_queries = int(self.starts.shape[0])
        self.counts = torch.diff(self.starts, append=torch.tensor([n], device=self.device))
        self.query_ids = query[self.starts]
        self.seg = new.cumsum(0) - 1
        self.pos = torch.arange(n, device=self.device) - self.starts[self.seg]
        self._binary_checked = self.binary_storage
        self._within: dict[int, Tensor] = {}

    @cached_property
    def target(self) -> Tensor:
        """The stored targets, concatenated (row order)."""
        return _cat(self._targets)

    def binary(self, name: str) -> None:
        """Raise unless the targets are 0/1 (they may be graded when a graded metric leads a compute group)."""
        if not self._binary_checked:
            check_labels(name, "target", self.target, 2)
            self._binary_checked = True

    @cached_property
    def ends(self) -> Tensor:
        """Last rank position of each query."""
        return self.starts + self.counts - 1

    def per_query(self, mask: Tensor) -> Tensor:
        """How many ranked rows of each query ``mask`` holds (int64, (Q,)).

        Queries are contiguous runs of rows: the running count read at each query's last row, differenced.
        """
        at_end = mask.cumsum(0)[self.ends]
        return torch.diff(at_end, prepend=at_end.new_zeros(1))

    def query_sum(self, values: Tensor, rows: Tensor | None = None) -> Tensor:
        """Per-query sums of float ``values`` given for the ranked rows (or for the rows selected by ``rows``)."""
        seg = self.seg if rows is None else self.seg[rows]
        out = torch.zeros(self.num_queries, dtype=values.dtype, device=self.device)
        return out.index_add_(0, seg, values)

    def within(self, top_k: int | None) -> Tensor | None:
        """The ranked rows in the top ``top_k`` of their query (``None``: every row), kept per ``top_k``."""
        if top_k is None:
            return None
        if top_k not in self._within:
            self._within[top_k] = self.pos < top_k
        return self._within[top_k]

    @cached_property
    def n_rel(self) -> Tensor:
        """Relevant rows per query."""
        return self.per_query(self.rel)

    @cached_property
    def crel(self) -> Tensor:
        """Relevant rows up to and including each ranked row, inside its query (int64, (N,))."""
        c = self.rel.long().cumsum(0)
        before = c[self.starts] - self.rel[self.starts].long()
        return c - before[self.seg]

    @cached_property
    def ranked_target(self) -> Tensor:
        """The stored targets in rank order (binary ones come out of the sort key: no gather)."""
        return self.rel if self.binary_storage else self.target[self.order]

    @cached_property
    def gain(self) -> Tensor:
        """The targets in rank order as float64 gains."""
        return self.ranked_target.to(torch.float64)

    def discount(self, top_k: int | None) -> Tensor:
        """``1 / log2(pos + 2)`` for the ranked rows in the top ``top_k`` of their query, 0 beyond (float64)."""
        d = torch.log2(self.pos.to(torch.float64) + 2.0).reciprocal_()
        keep = self.within(top_k)
        return d if keep is None else d.mul_(keep)


_last: list[Any] = []  # [key, pinned state objects, Ranking]: the last ranking built from metric states


def _identity(value: Any) -> tuple[Any, ...]:
    if isinstance(value, Tensor):
        return (id(value), value._version)
    return (id(value), len(value), id(value[-1]) if value else None)


def ranking_of(preds: Any, target: Any, indexes: Any) -> Ranking | None:
    """The ranking of the rows held by the states (lists of batches, or tensors after a sync); ``None`` if empty.

    Built once for a given set of state objects: members of a compute group share it. The state objects are
    pinned while the ranking is kept, so their ids cannot be reused by other objects.
    """
    key = (_identity(preds), _identity(target), _identity(indexes))
    if _last and _last[0] == key:
        ranking: Ranking = _last[2]
        return ranking
    if not _chunks(preds):
        return None
    ranking = Ranking(preds, target, indexes)
    pins = (preds, target, indexes, *(v[-1] for v in (preds, target, indexes) if isinstance(v, list)))
    _last[:] = [key, pins, ranking]
    return ranking


def forget(*states: Any) -> None:
    """Drop the kept ranking if it was built from one of ``states`` (a metric's reset frees its memory)."""
    if _last and any(s is p for s in states for p in _last[1]):
        _last.clear()


def rank_query(preds: Tensor, target: Tensor) -> Ranking | None:
    """The ranking of one query's formatted rows (a functional), ``None`` when it has no rows."""
    if preds.numel() == 0:
        return None
    return Ranking(preds, target, torch.zeros(preds.shape, dtype=torch.int64, device=preds.device))


def result_dtype(preds: Tensor) -> torch.dtype:
    """The dtype of a metric's value: float64 for float64 scores, float32 otherwise (as TorchMetrics)."""
    return torch.float64 if preds.dtype == torch.float64 else torch.float32
