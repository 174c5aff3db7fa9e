"""`ExplainedVariance`: explained variance score accumulated over batches."""

from __future__ import annotations

from typing import Any

import torch
from torch import Tensor

from calipers._checks import check_devices
from calipers.functional.regression.explained_variance import (
    EXPLAINED_VARIANCE_STATES,
    Multioutput,
    _explained_variance_arg_validation,
    _explained_variance_compute,
    _explained_variance_format,
    _explained_variance_tensor_validation,
    _explained_variance_update,
)
from calipers.metric import Metric
from calipers.regression._error_states import (
    add_statistic_states,
    agree_inferred_outputs,
    check_inferred_outputs,
    fold_statistics,
    statistics_dtype,
)

__all__ = ["ExplainedVariance"]

_REDUCTIONS = dict(zip(EXPLAINED_VARIANCE_STATES, ("sum", "sum", "min", "max", "sum", "sum", "min", "max")))


class ExplainedVariance(Metric):
    """Explained variance score of every sample seen.

    See :func:`calipers.functional.regression.explained_variance` for the inputs, the formula and the
    constant-target convention. The states are float64 sums (error, squared error, target, squared target, count)
    and the minimum and maximum of the error and of the target, one value per output.

    Args:
        multioutput: ``"uniform_average"``, ``"raw_values"`` or ``"variance_weighted"``.
        num_outputs: (calipers, keyword-only) the number of outputs. ``None`` infers it from the first batch, as
            TorchMetrics does; later batches must then match it. Running distributed, the processes then agree
            on it before each sync (one more small collective): a process that saw no batch takes the others'
            number, processes that inferred different numbers raise the same ``ValueError``.
        kwargs: the options of :class:`calipers.Metric`.

    Example:
        >>> import torch
        >>> from calipers.regression import ExplainedVariance
        >>> metric = ExplainedVariance()
        >>> metric.update(torch.tensor([2.5, 0.0]), torch.tensor([3.0, -0.5]))
        >>> metric.update(torch.tensor([2.0, 8.0]), torch.tensor([2.0, 7.0]))
        >>> metric.compute()
        tensor(0.9572)
    """

    is_differentiable = True
    higher_is_better = True
    full_state_update = False
    plot_lower_bound = 0.0
    plot_upper_bound = 1.0

    total: Tensor

    def __init__(
        self, multioutput: Multioutput = "uniform_average", *, num_outputs: int | None = None, **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        _explained_variance_arg_validation(type(self).__name__, multioutput, num_outputs)
        self.multioutput = multioutput
        self.num_outputs = num_outputs
        self._outputs_seen: tuple[int, ...] | None = None
        add_statistic_states(self, _REDUCTIONS, () if num_outputs is None else (num_outputs,))
        self.add_state("total", torch.tensor(0.0, dtype=torch.float64), dist_reduce_fx="sum")

    def update(self, preds: Tensor, target: Tensor) -> None:
        """Add the statistics of a batch."""
        check_devices(type(self).__name__, self.device, preds=preds, target=target)
        _explained_variance_tensor_validation(type(self).__name__, preds, target, self.num_outputs)
        outputs = check_inferred_outputs(self, preds, EXPLAINED_VARIANCE_STATES[0])
        if not preds.shape[0]:  # an empty batch is a no-op: it fixes no number of outputs either
            return
        preds, target = _explained_variance_format(preds, target)
        stats, num_obs = _explained_variance_update(preds, target, statistics_dtype(self, "total"))
        fold_statistics(self, _REDUCTIONS, zip(EXPLAINED_VARIANCE_STATES, stats))
        self.total += num_obs
        self._outputs_seen = outputs

    def forward(self, preds: Tensor, target: Tensor) -> Tensor:
        """The score of the batch, which is also added to the states (checked against them first)."""
        _explained_variance_tensor_validation(type(self).__name__, preds, target, self.num_outputs)
        check_inferred_outputs(self, preds, EXPLAINED_VARIANCE_STATES[0])
        return super().forward(preds, target)  # type: ignore[no-any-return]

    def _sync_dist(self, dist_sync_fn: Any = None, process_group: Any = None) -> None:
        """With ``num_outputs=None`` the ranks first agree on the number of outputs (a rank without data takes it)."""
        agree_inferred_outputs(self, _REDUCTIONS, dist_sync_fn, process_group)
        super()._sync_dist(dist_sync_fn, process_group)

    def reset(self) -> None:
        """Restore the default states; with ``num_outputs=None`` the next batch fixes the number of outputs again."""
        super().reset()
        self._outputs_seen = None

    def compute(self) -> Tensor:
        """The explained variance over every sample seen, in the metric's dtype."""
        stats = tuple(getattr(self, name) for name in EXPLAINED_VARIANCE_STATES)
        return _explained_variance_compute(stats, self.total, self.multioutput).to(self.dtype)
