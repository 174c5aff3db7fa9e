"""The extended edit distance of many (hypothesis, reference) character pairs at once.

The dynamic programme of Stanchev et al. (2019) runs over the reference characters (rows) and the hypothesis
positions (columns). Row ``w`` is

* ``a[0] = row[0] + 1``, ``a[i] = min(row[i-1] + [hyp[i-1] != ref[w]], row[i] + insertion)``;
* ``new[i] = min(a[i], new[i-1] + deletion)``, i.e. ``new[i] = min_k (a[k] + (i - k) * deletion)``: one
  cumulative minimum of ``a[k] - k * deletion``;
* the first column holding the row's minimum is *visited*; after a reference blank, every cell may *jump* there:
  ``new = min(new, alpha + min(new))``.

The score is ``min(1, (row[-1] + coverage) / (len(ref) + coverage))`` with ``coverage = rho * sum(|visits - 1|)``
over the columns (an unvisited column counts 1, one visited ``k`` times counts ``k - 1``).

Pairs are padded and processed side by side, one tensor operation per row for all of them (pairs are grouped by
reference length so that little padding is wasted). Ties of the row minimum are decided as in exact arithmetic: a
column whose value is within ``_TIE`` (relative) of the minimum ties with it, so the first of equal-cost columns
is visited whatever the rounding of the sums (a floating-point sequential loop breaks such ties by rounding).
"""

from __future__ import annotations

import torch
from torch import Tensor

__all__ = ["eed_scores"]

# Pairs per batched programme (bench workload text.eed, 500 pairs: larger groups waste padding, smaller ones pay
# the per-row operations more often).
_GROUP = 128
# Relative tolerance under which two costs are equal: far above the rounding of sums of a few hundred costs
# (~1e-13) and far below the smallest difference of distinct costs with parameters given to a few decimals.
_TIE = 1e-9


def _codes(texts: list[str], length: int, fill: int) -> Tensor:
    """``(len(texts), length)`` int32 code points, padded with ``fill``."""
    rows = [[ord(c) for c in t] + [fill] * (length - len(t)) for t in texts]
    return torch.tensor(rows, dtype=torch.int32).reshape(len(texts), length)


def _group_scores(
    hyps: list[str], refs: list[str], alpha: float, rho: float, deletion: float, insertion: float
) -> Tensor:
    # Layout (pair, column): the per-row reductions run along contiguous rows; `amin` and `argmax` rather than
    # `min(dim)`, which is much slower on small tensors when several threads compete.
    n = len(hyps)
    hyp_len = torch.tensor([len(h) for h in hyps])
    ref_len = torch.tensor([len(r) for r in refs])
    width, height = int(hyp_len.max()), int(ref_len.max())
    hyp = _codes(hyps, width, -1)
    ref = _codes(refs, height, -2).t().contiguous()  # (reference position, pair)
    blank = (ref == ord(" "))[:, :, None]
    columns = torch.arange(width + 1)
    ramp = (columns.double() * deletion)[None, :]
    padding = columns[None, :] > hyp_len[:, None]
    pairs = torch.arange(n)
    row = torch.ones(n, width + 1, dtype=torch.float64)
    row[:, 0] = 0.0
    visits = torch.zeros(n, width + 1, dtype=torch.float64)
    step = torch.empty_like(row)
    inf = torch.tensor(float("inf"), dtype=torch.float64)
    for w in range(height):
        active = (ref_len > w)[:, None]
        torch.add(row[:, :1], 1.0, out=step[:, :1])
        torch.minimum(row[:, :-1] + (hyp != ref[w][:, None]), row[:, 1:] + insertion, out=step[:, 1:])
        new = torch.cummin(step - ramp, dim=1).values.add_(ramp)
        new.masked_fill_(padding, float("inf"))
        low = new.amin(dim=1, keepdim=True)
        first = (new <= low + _TIE * low.clamp(min=1.0)).int().argmax(dim=1)
        visits.index_put_((pairs, first), active[:, 0].double(), accumulate=True)
        torch.minimum(new, torch.where(blank[w], low + alpha, inf), out=new)
        row = torch.where(active, new, row)
    final = row[pairs, hyp_len]
    coverage = rho * torch.where(visits > 0, visits - 1.0, 1.0).masked_fill_(padding, 0.0).sum(dim=1)
    denominator = ref_len + coverage
    score = torch.where(denominator > 0, (final + coverage) / denominator.clamp(min=1e-300), (final > 0).double())
    return score.clamp(max=1.0)


def eed_scores(hyps: list[str], refs: list[str], alpha: float, rho: float, deletion: float, insertion: float) -> Tensor:
    """The float64 EED of every pair ``(hyps[k], refs[k])`` (preprocessed strings)."""
    out = torch.empty(len(hyps), dtype=torch.float64)
    order = sorted(range(len(hyps)), key=lambda k: (len(refs[k]), len(hyps[k])))
    for start in range(0, len(order), _GROUP):
        index = order[start : start + _GROUP]
        scores = _group_scores([hyps[k] for k in index], [refs[k] for k in index], alpha, rho, deletion, insertion)
        out[torch.tensor(index)] = scores
    return out
