"""Functional retrieval metrics: each scores the documents of one query (see :mod:`calipers.retrieval` for many).

The tie rule is described in :mod:`calipers.functional.retrieval._ranking`, the shared arguments in
:mod:`calipers.functional.retrieval._args`.
"""

from __future__ import annotations

from calipers.functional.retrieval.curve import retrieval_precision_recall_curve
from calipers.functional.retrieval.cutoffs import (
    retrieval_fall_out,
    retrieval_hit_rate,
    retrieval_precision,
    retrieval_r_precision,
    retrieval_recall,
)
from calipers.functional.retrieval.ranks import (
    retrieval_auroc,
    retrieval_average_precision,
    retrieval_normalized_dcg,
    retrieval_reciprocal_rank,
)

__all__ = [
    "retrieval_auroc",
    "retrieval_average_precision",
    "retrieval_fall_out",
    "retrieval_hit_rate",
    "retrieval_normalized_dcg",
    "retrieval_precision",
    "retrieval_precision_recall_curve",
    "retrieval_r_precision",
    "retrieval_recall",
    "retrieval_reciprocal_rank",
]

for _name in __all__:
    globals()[_name].__module__ = __name__
del _name
