"""Retrieval metrics for calipers: many queries, vectorised over queries, exact under DDP.

Every class takes ``update(preds, target, indexes)``: one score, one relevance and one query id per row; a query's
rows may come in several batches or on several processes. ``compute`` ranks all rows once and reduces every query
at once. Each class has a functional twin in :mod:`calipers.functional.retrieval` for one query.
"""

from __future__ import annotations

from calipers.retrieval.curve import RetrievalPrecisionRecallCurve, RetrievalRecallAtFixedPrecision
from calipers.retrieval.cutoffs import (
    RetrievalFallOut,
    RetrievalHitRate,
    RetrievalPrecision,
    RetrievalRecall,
    RetrievalRPrecision,
)
from calipers.retrieval.ranks import RetrievalAUROC, RetrievalMAP, RetrievalMRR, RetrievalNormalizedDCG

__all__ = [
    "RetrievalAUROC",
    "RetrievalFallOut",
    "RetrievalHitRate",
    "RetrievalMAP",
    "RetrievalMRR",
    "RetrievalNormalizedDCG",
    "RetrievalPrecision",
    "RetrievalPrecisionRecallCurve",
    "RetrievalRPrecision",
    "RetrievalRecall",
    "RetrievalRecallAtFixedPrecision",
]

for _name in __all__:
    globals()[_name].__module__ = __name__
del _name
