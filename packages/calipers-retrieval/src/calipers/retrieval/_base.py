"""The state holder every retrieval metric shares.

States (``cat`` lists, named as in TorchMetrics so checkpoints read alike): ``preds`` (scores in their own dtype),
``target`` (``bool`` for binary metrics; graded relevance for nDCG) and ``indexes`` (``int64`` query ids). They are
concatenated across batches and processes, so a query whose rows are split over batches or ranks is regrouped at
``compute``, which ranks all rows once (:mod:`calipers.functional.retrieval._ranking`) and reduces every query at
once (:mod:`calipers.functional.retrieval._values`).

Every retrieval metric folds ``(preds, target, indexes)`` the same way, so all declare one state signature (with
their ``ignore_index``): in a :class:`~calipers.MetricCollection` of, say, MAP, MRR, nDCG@10, P@10 and R@10 the
rows are stored once and ranked once. An nDCG leading such a group beside binary members (MAP, MRR, ...) takes
only binary targets (:meth:`RetrievalMetric._lead_group`): a graded batch raises the binary members' ``ValueError``
at ``update``, before any row is stored.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from typing import Any, ClassVar

import torch
from torch import Tensor

from calipers.functional.retrieval._args import Aggregation, check_retrieval_args, finish
from calipers.functional.retrieval._ranking import Ranking, forget, ranking_of
from calipers.functional.retrieval._rows import rows_format, rows_tensor_validation
from calipers.metric import Metric

__all__ = ["RetrievalMetric"]


class RetrievalMetric(Metric):
    """Holds the rows of many queries; subclasses give the per-query values (:meth:`_values`).

    ``update(preds, target, indexes)``: ``preds`` floating scores, ``target`` relevance and ``indexes`` integer
    query ids, all of one shape (flattened).
    """

    is_differentiable = False
    higher_is_better = True
    full_state_update = False
    plot_lower_bound = 0.0
    plot_upper_bound = 1.0
    _graded: ClassVar[bool] = False
    _missing: ClassVar[str] = "a relevant document"  # what an empty query lacks (for the error message)

    def __init__(
        self,
        empty_target_action: str = "neg",
        ignore_index: int | None = None,
        aggregation: Aggregation = "mean",
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        check_retrieval_args(
            type(self).__name__,
            empty_target_action=empty_target_action,
            ignore_index=ignore_index,
            aggregation=aggregation,
        )
        self.empty_target_action = empty_target_action
        self.ignore_index = ignore_index
        self.aggregation = aggregation
        self.add_state("preds", [], dist_reduce_fx="cat")
        self.add_state("target", [], dist_reduce_fx="cat")
        self.add_state("indexes", [], dist_reduce_fx="cat")
        #: A binary follower shares the rows (set by :meth:`_lead_group`): its name, named by the errors.
        self._binary_follower: str | None = None

    def _lead_group(self, followers: Sequence[Metric]) -> None:
        """A graded leader with a binary follower takes binary targets only, so the follower's check runs at update."""
        binary = [f for f in followers if isinstance(f, RetrievalMetric) and not f._graded]
        self._binary_follower = binary[0]._get_name() if self._graded and binary else None

    def update(self, preds: Tensor, target: Tensor, indexes: Tensor) -> None:
        """Check the batch, drop its ``ignore_index`` rows and append the rest (an empty batch changes nothing)."""
        name, graded = self._get_name(), self._graded
        if graded and self._binary_follower is not None:  # the rows also serve a binary metric: its check
            name, graded = f"{self._binary_follower} (sharing the rows of {name})", False
        rows_tensor_validation(name, preds, target, indexes, graded, self.ignore_index, self.device)
        p, t, i = rows_format(preds, target, indexes, graded, self.ignore_index)
        if p.numel():
            d = self.__dict__
            d["preds"].append(p)
            d["target"].append(t)
            d["indexes"].append(i)

    def _ranking(self) -> Ranking | None:
        d = self.__dict__
        return ranking_of(d["preds"], d["target"], d["indexes"])

    def _values(self, ranking: Ranking) -> tuple[Tensor, Tensor]:  # pragma: no cover - interface
        """Per-query values and the mask of the empty queries."""
        raise NotImplementedError

    def compute(self) -> Tensor:
        """Rank every query's rows once and aggregate the per-query values."""
        ranking = self._ranking()
        if ranking is None:
            return torch.zeros((), dtype=self.dtype, device=self.device)
        if not self._graded:
            ranking.binary(type(self).__name__)
        values, empty = self._values(ranking)
        return finish(
            type(self).__name__,
            values,
            empty,
            ranking.query_ids,
            self.empty_target_action,
            self.aggregation,
            ranking.dtype,
            self._missing,
        )

    def reset(self) -> None:
        """Restore the empty states (and drop a ranking kept for them)."""
        d = self.__dict__
        forget(d["preds"], d["target"], d["indexes"])
        super().reset()

    def _state_signature(self) -> Hashable | None:
        return ("retrieval.rows", self.ignore_index)
