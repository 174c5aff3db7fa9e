"""Per-query values of every retrieval metric from one :class:`~calipers.functional.retrieval._ranking.Ranking`.

Each function returns ``(values, empty)``: float64 values of the Q queries (``(Q,)``, or ``(Q, K)`` for the curve)
and the mask of the queries ``empty_target_action`` applies to. Everything is a segment reduction over the ranked
rows (``bincount``, ``index_add_``, cumulative sums inside queries): no Python loop over queries.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import Tensor

from calipers.functional.retrieval._args import finish
from calipers.functional.retrieval._ranking import Ranking, descending_keys, one_key, rank_query, result_dtype

__all__ = [
    "auroc_values",
    "average_precision_values",
    "fall_out_values",
    "few_levels",
    "hit_rate_values",
    "ndcg_values",
    "precision_recall_curve_values",
    "precision_values",
    "query_value",
    "r_precision_values",
    "recall_values",
    "reciprocal_rank_values",
]


def _relevant_within(r: Ranking, top_k: int | None) -> Tensor:
    """Relevant ranked rows in the top ``top_k`` of their query."""
    keep = r.within(top_k)
    return r.rel if keep is None else r.rel & keep


def _irrelevant_within(r: Ranking, top_k: int | None) -> Tensor:
    keep = r.within(top_k)
    return ~r.rel if keep is None else keep & ~r.rel


def _ratio(num: Tensor, den: Tensor) -> Tensor:
    num, den = num.to(torch.float64), den.to(torch.float64)
    return torch.where(den > 0, num / den.clamp(min=1e-300), torch.zeros_like(num))


def average_precision_values(r: Ranking, top_k: int | None) -> tuple[Tensor, Tensor]:
    """Mean precision at the ranks of the relevant documents within ``top_k``, over those documents.

    This is TorchMetrics' AP@k: normalised by the relevant documents retrieved in the top ``top_k``.
    """
    hit = _relevant_within(r, top_k)
    precision = r.crel.to(torch.float64).div_(r.pos + 1).mul_(hit)
    return _ratio(r.query_sum(precision), r.per_query(hit)), r.n_rel == 0


def reciprocal_rank_values(r: Ranking, top_k: int | None) -> tuple[Tensor, Tensor]:
    """``1 / rank`` of the first relevant document, 0 when none is in the top ``top_k``."""
    first = _relevant_within(r, top_k) & (r.crel == 1)
    return r.query_sum((r.pos + 1).to(torch.float64).reciprocal_().mul_(first)), r.n_rel == 0


def precision_values(r: Ranking, top_k: int | None, adaptive_k: bool) -> tuple[Tensor, Tensor]:
    """Relevant documents in the top ``k`` over ``k``.

    ``k = top_k``, the query's size when ``top_k`` is None, or ``min(top_k, size)`` with ``adaptive_k``.
    """
    hits = r.per_query(_relevant_within(r, top_k))
    k = r.counts if top_k is None else r.counts.clamp(max=top_k) if adaptive_k else torch.full_like(r.counts, top_k)
    return _ratio(hits, k), r.n_rel == 0


def recall_values(r: Ranking, top_k: int | None) -> tuple[Tensor, Tensor]:
    """Relevant documents in the top ``top_k`` over the query's relevant documents."""
    return _ratio(r.per_query(_relevant_within(r, top_k)), r.n_rel), r.n_rel == 0


def r_precision_values(r: Ranking) -> tuple[Tensor, Tensor]:
    """Relevant documents among the top R over R, R the query's number of relevant documents."""
    hits = r.per_query(r.rel & (r.pos < r.n_rel[r.seg]))
    return _ratio(hits, r.n_rel), r.n_rel == 0


def hit_rate_values(r: Ranking, top_k: int | None) -> tuple[Tensor, Tensor]:
    """1 when a relevant document is in the top ``top_k``, else 0."""
    return (r.per_query(_relevant_within(r, top_k)) > 0).to(torch.float64), r.n_rel == 0


def fall_out_values(r: Ranking, top_k: int | None) -> tuple[Tensor, Tensor]:
    """Non-relevant documents in the top ``top_k`` over the query's non-relevant documents (empty: no negative)."""
    n_neg = r.counts - r.n_rel
    return _ratio(r.per_query(_irrelevant_within(r, top_k)), n_neg), n_neg == 0


_LEVELS_PER_ROW = 4  # counting path: integer gains with at most 4 * rows / queries levels (workload retrieval.ndcg)


def few_levels(r: Ranking) -> tuple[int, int] | None:
    """``(lowest, number)`` of the integer gain levels when they are few enough to count, else ``None``."""
    if r.binary_storage:
        return (0, 2) if 2 * r.num_queries <= _LEVELS_PER_ROW * r.rel.numel() else None
    t = r.ranked_target
    if t.is_floating_point():
        return None
    lo, hi = (int(v) for v in torch.aminmax(t)) if t.dtype != torch.bool else (0, 1)
    levels = hi - lo + 1
    return (lo, levels) if levels * r.num_queries <= _LEVELS_PER_ROW * t.numel() else None


def _discount_table(size: int, top_k: int | None, device: torch.device) -> Tensor:
    """``table[m]``: the summed discounts of the first ``m`` ranks (those past ``top_k`` count 0), ``m = 0..size``."""
    ranks = torch.arange(size, device=device, dtype=torch.float64)
    steps = 1.0 / torch.log2(ranks + 2.0)
    if top_k is not None:
        steps = steps.masked_fill(ranks >= top_k, 0.0)
    return torch.cat([torch.zeros(1, dtype=torch.float64, device=device), steps.cumsum(0)])


def _ideal_by_counting(r: Ranking, discount_table: Tensor, lo: int, levels: int) -> Tensor:
    """Ideal DCG from the counts of each gain level in each query: the ideal order lists the levels from the top."""
    level = r.ranked_target.long() - lo
    counts = torch.bincount(r.seg * levels + level, minlength=r.num_queries * levels).view(r.num_queries, levels)
    counts = counts.flip(1)  # highest level first
    end = counts.cumsum(1)
    value = torch.arange(lo + levels - 1, lo - 1, -1, device=r.device, dtype=torch.float64)
    return ((discount_table[end] - discount_table[end - counts]) * value).sum(1)


def _ideal_by_sorting(r: Ranking, discount: Tensor) -> Tensor:
    """Ideal DCG with the gains sorted in descending order inside each query (query layout unchanged)."""
    keys, width = descending_keys(r.ranked_target)
    seg = r.seg
    if one_key(seg, width, 0):
        order = ((seg << width) | keys).sort().indices
    else:
        order = torch.argsort(keys, stable=True)
        order = order[torch.argsort(seg[order], stable=True)]
    return r.query_sum(r.gain[order] * discount)


def ndcg_values(r: Ranking, top_k: int | None) -> tuple[Tensor, Tensor]:
    """DCG with linear gains and ``1 / log2(rank + 1)`` discounts, cut at ``top_k``, over the ideal DCG.

    Tied documents share the mean of their gains (each keeps its own discount). 0 when the ideal DCG is 0.
    """
    gain, discount = r.gain, r.discount(top_k)
    group = r.tie_start.cumsum(0) - 1
    groups = int(group[-1]) + 1
    gain_sum = torch.zeros(groups, dtype=torch.float64, device=r.device).index_add_(0, group, gain)
    discount_sum = torch.zeros(groups, dtype=torch.float64, device=r.device).index_add_(0, group, discount)
    size = torch.bincount(group, minlength=groups).to(torch.float64)
    dcg = r.query_sum(gain_sum * discount_sum / size, r.tie_start)
    counted = few_levels(r)
    if counted is None:
        ideal = _ideal_by_sorting(r, discount)
    else:
        ideal = _ideal_by_counting(r, _discount_table(int(r.counts.max()), top_k, r.device), *counted)
    return _ratio(dcg, ideal), r.query_sum(gain) == 0


def auroc_values(r: Ranking, top_k: int | None, max_fpr: float | None) -> tuple[Tensor, Tensor]:
    """Area under the ROC curve of the query's top ``top_k`` documents (tied pairs count half).

    With ``max_fpr``, the McClish-standardised partial area up to that false positive rate. 0 when the top
    ``top_k`` lacks a relevant or a non-relevant document.
    """
    keep = r.within(top_k)
    rel, seg, tie = (r.rel, r.seg, r.tie_start) if keep is None else (r.rel[keep], r.seg[keep], r.tie_start[keep])
    q = r.num_queries
    pos_q = torch.bincount(seg[rel], minlength=q)
    neg_q = torch.bincount(seg, minlength=q) - pos_q
    group = tie.cumsum(0) - 1
    groups = int(group[-1]) + 1 if group.numel() else 0
    g_pos = torch.bincount(group[rel], minlength=groups)
    g_neg = torch.bincount(group, minlength=groups) - g_pos
    g_seg = seg[tie]
    first = torch.ones(groups, dtype=torch.bool, device=r.device)
    if groups > 1:
        first[1:] = g_seg[1:] != g_seg[:-1]
    g_query = first.cumsum(0) - 1

    def above(x: Tensor) -> Tensor:  # the counts of the earlier groups of the same query
        c = x.cumsum(0) - x
        return c - c[first][g_query]

    neg_above, pos_above = above(g_neg).to(torch.float64), above(g_pos).to(torch.float64)
    gp, gn = g_pos.to(torch.float64), g_neg.to(torch.float64)
    n_pos = pos_q.to(torch.float64).clamp(min=1)[g_seg]
    n_neg = neg_q.to(torch.float64).clamp(min=1)[g_seg]
    if max_fpr is None or max_fpr == 1.0:
        pairs = gp * (n_neg - neg_above - gn) + 0.5 * gp * gn
        area = torch.zeros(q, dtype=torch.float64, device=r.device).index_add_(0, g_seg, pairs)
        area = area / (pos_q.to(torch.float64) * neg_q.to(torch.float64)).clamp(min=1)
    else:
        fpr0, fpr1 = neg_above / n_neg, (neg_above + gn) / n_neg
        tpr0, tpr1 = pos_above / n_pos, (pos_above + gp) / n_pos
        m = max_fpr
        full = fpr1 <= m
        part = (fpr0 < m) & ~full
        tpr_m = tpr0 + (tpr1 - tpr0) * (m - fpr0) / (fpr1 - fpr0).clamp(min=1e-300)
        piece = torch.where(full, (fpr1 - fpr0) * (tpr0 + tpr1) / 2, torch.zeros_like(fpr0))
        piece = torch.where(part, (m - fpr0) * (tpr0 + tpr_m) / 2, piece)
        partial = torch.zeros(q, dtype=torch.float64, device=r.device).index_add_(0, g_seg, piece)
        low, high = m * m / 2, m
        area = 0.5 * (1 + (partial - low) / (high - low))
    valid = (pos_q > 0) & (neg_q > 0)
    return torch.where(valid, area, torch.zeros_like(area)), r.n_rel == 0


def precision_recall_curve_values(r: Ranking, max_k: int, adaptive_k: bool) -> tuple[Tensor, Tensor, Tensor]:
    """Precision and recall at ``k = 1..max_k`` of every query, ``(Q, max_k)`` each, and the empty mask.

    Precision divides by ``k``, or by ``min(k, size)`` with ``adaptive_k``; past its last document a query keeps
    its relevant count.
    """
    q = r.num_queries
    rows = r.pos < max_k
    hits = torch.zeros(q, max_k, dtype=torch.float64, device=r.device)
    hits[r.seg[rows], r.pos[rows]] = r.rel[rows].to(torch.float64)
    hits = hits.cumsum(1)
    k = torch.arange(1, max_k + 1, device=r.device, dtype=torch.float64).expand(q, max_k)
    if adaptive_k:
        k = torch.minimum(k, r.counts.to(torch.float64).unsqueeze(1))
    precision = hits / k
    recall = hits / r.n_rel.to(torch.float64).clamp(min=1).unsqueeze(1)
    return precision, recall, r.n_rel == 0


def query_value(name: str, preds: Tensor, target: Tensor, values: Callable[[Ranking], tuple[Tensor, Tensor]]) -> Tensor:
    """A functional's value on one query's formatted rows: ``values`` of its ranking.

    0 when there are no rows or the query is empty, as TorchMetrics' functionals.
    """
    ranking = rank_query(preds, target)
    if ranking is None:
        return torch.zeros((), dtype=result_dtype(preds), device=preds.device)
    per_query, empty = values(ranking)
    return finish(name, per_query, empty, ranking.query_ids, "neg", "mean", ranking.dtype)
