"""State holders of the curve family (ROC, precision-recall, AUROC, average precision, EER, LogAUC, at-fixed-X).

States, named as in TorchMetrics so checkpoints load across both:

* binned (``thresholds`` an int, list or tensor): ``confmat``, int64 ``(T, 2, 2)`` (binary) or ``(T, K, 2, 2)``,
  summed across batches and processes; the sorted thresholds are a non-persistent buffer ``thresholds``;
* exact (``thresholds=None``): ``preds`` and ``target``, lists of batches concatenated across processes (``"cat"``).

Every metric of the family folds a batch the same way, so each declares a state signature: a
:class:`~calipers.MetricCollection` of, say, ``BinaryAUROC``, ``BinaryAveragePrecision`` and ``BinaryROC`` over the
same inputs updates once.
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any, ClassVar

import torch
from torch import Tensor

from calipers._checks import check_flag
from calipers.functional.classification._curve import Thresholds, adjust_thresholds
from calipers.functional.classification._curve_tasks import (
    CurveState,
    binary_update,
    check_args,
    multiclass_update,
    multilabel_update,
)
from calipers.metric import Metric
from calipers.utilities.data import dim_zero_cat

__all__ = ["BinaryCurveState", "CurveState", "MulticlassCurveState", "MultilabelCurveState"]


class _CurveStateBase(Metric):
    """Declares and folds the states (module docstring); subclasses choose the task and compute."""

    is_differentiable = False
    full_state_update = False
    plot_lower_bound = 0.0
    plot_upper_bound = 1.0
    _task: ClassVar[str] = "binary"
    thresholds: Tensor | None
    _size: int

    def _declare(self, thresholds: Thresholds, ignore_index: int | None, validate_args: bool, size: int = 1) -> None:
        name = self._get_name()
        if self._task == "binary":
            check_args(name, thresholds, ignore_index)
        else:
            check_args(
                name, thresholds, ignore_index, size, "num_classes" if self._task == "multiclass" else "num_labels"
            )
        check_flag(name, "validate_args", validate_args)
        self.ignore_index = ignore_index
        self.validate_args = validate_args
        self._size = size
        t = adjust_thresholds(thresholds)
        if t is None:
            self.thresholds = None
            self.add_state("preds", [], dist_reduce_fx="cat")
            self.add_state("target", [], dist_reduce_fx="cat")
        else:
            self.register_buffer("thresholds", t, persistent=False)
            shape = (len(t), 2, 2) if self._task == "binary" else (len(t), size, 2, 2)
            self.add_state("confmat", torch.zeros(shape, dtype=torch.long), dist_reduce_fx="sum")

    def _fold(self, state: CurveState, preds: Tensor, target: Tensor) -> None:
        """Add a batch's state: binned counts are summed; exact samples are kept, an empty batch leaves no entry.

        Kept samples never share memory with the caller's ``preds``/``target`` (a reused input buffer would otherwise
        rewrite every batch kept so far): a kept tensor that is a view of an input is copied.
        """
        d = self.__dict__
        if isinstance(state, Tensor):
            d["confmat"] += state
        elif state[0].shape[0]:
            inputs = {preds.untyped_storage().data_ptr(), target.untyped_storage().data_ptr()}
            for name, kept in zip(("preds", "target"), state):
                d[name].append(kept.clone() if kept.untyped_storage().data_ptr() in inputs else kept)

    def _final_state(self) -> CurveState:
        """The binned confmat, or the concatenated ``(preds, target)`` (empty tensors before any update)."""
        d = self.__dict__
        if self.thresholds is not None:
            confmat: Tensor = d["confmat"]
            return confmat
        preds, target = d["preds"], d["target"]
        if isinstance(preds, list) and not preds:
            width = () if self._task == "binary" else (self._size,)
            empty_target = (0,) if self._task != "multilabel" else (0, self._size)
            return (
                torch.zeros((0, *width), dtype=self.dtype, device=self.device),
                torch.zeros(empty_target, dtype=torch.long, device=self.device),
            )
        return dim_zero_cat(preds), dim_zero_cat(target)

    def _compute_dtype(self) -> torch.dtype | None:
        """Binned values are computed in the metric's dtype; exact ones in the dtype of the scores."""
        return self.dtype if self.thresholds is not None else None

    def _state_signature(self) -> Hashable | None:
        key = None if self.thresholds is None else tuple(self.thresholds.tolist())
        return ("curve", self._task, self._size, key, self.ignore_index, getattr(self, "_normalization", "sigmoid"))

    def _plot_curve(self, curve: Any, score: Any, ax: Any, label_names: tuple[str, str]) -> Any:
        from calipers.utilities.plot import plot_curve

        curve = curve if curve is not None else self.compute()
        return plot_curve(curve, score=score, ax=ax, label_names=label_names, name=self._get_name())


class BinaryCurveState(_CurveStateBase):
    """Binary curve states; ``update(preds, target)`` with scores ``(N, ...)`` and labels ``(N, ...)``."""

    _task = "binary"
    _normalization: str | None = "sigmoid"

    def update(self, preds: Tensor, target: Tensor) -> None:
        """Fold a batch into the states."""
        self._fold(
            binary_update(
                self._get_name(),
                preds,
                target,
                self.thresholds,
                self.ignore_index,
                self.validate_args,
                self._normalization,
                self.device,
            ),
            preds,
            target,
        )


class MulticlassCurveState(_CurveStateBase):
    """Multiclass curve states; ``update(preds, target)`` with scores ``(N, C, ...)`` and labels ``(N, ...)``."""

    _task = "multiclass"
    plot_legend_name = "Class"

    def update(self, preds: Tensor, target: Tensor) -> None:
        """Fold a batch into the states."""
        self._fold(
            multiclass_update(
                self._get_name(),
                preds,
                target,
                self._size,
                self.thresholds,
                self.ignore_index,
                self.validate_args,
                self.device,
            ),
            preds,
            target,
        )


class MultilabelCurveState(_CurveStateBase):
    """Multilabel curve states; ``update(preds, target)`` with scores and labels ``(N, L, ...)``."""

    _task = "multilabel"
    plot_legend_name = "Label"

    def update(self, preds: Tensor, target: Tensor) -> None:
        """Fold a batch into the states."""
        self._fold(
            multilabel_update(
                self._get_name(),
                preds,
                target,
                self._size,
                self.thresholds,
                self.ignore_index,
                self.validate_args,
                self.device,
            ),
            preds,
            target,
        )
