"""`R2Score`: coefficient of determination accumulated over batches."""

from __future__ import annotations

from typing import Any

import torch
from torch import Tensor

from calipers._checks import check_devices
from calipers.functional.regression.r2 import (
    R2_STATES,
    _r2_score_arg_validation,
    _r2_score_compute,
    _r2_score_format,
    _r2_score_tensor_validation,
    _r2_score_update,
)
from calipers.metric import Metric
from calipers.regression._error_states import (
    add_statistic_states,
    agree_inferred_outputs,
    check_inferred_outputs,
    fold_r2_batch,
    fold_statistics,
    statistics_dtype,
)

__all__ = ["R2Score"]

_REDUCTIONS = dict(zip(R2_STATES, ("sum", "sum", "sum", "min", "max")))


class R2Score(Metric):
    """Coefficient of determination (R²), optionally adjusted, of every sample seen.

    See :func:`calipers.functional.regression.r2_score` for the inputs, the formula and the constant-target
    convention. The states are float64 sums (target, squared target, squared residuals, count) and the minimum and
    maximum target, one value per output; they reduce elementwise across batches and processes.

    ``compute`` needs at least 2 samples (``ValueError`` otherwise, as in TorchMetrics). ``forward`` on a batch of
    one sample raises for that reason.

    Args:
        adjusted: number of independent regressors of the adjusted R² (0: the standard R²).
        multioutput: ``"uniform_average"``, ``"raw_values"`` or ``"variance_weighted"``.
        num_outputs: (calipers, keyword-only) the number of outputs. ``None`` infers it from the first batch, as
            TorchMetrics does; later batches must then match it. Running distributed, the processes then agree
            on it before each sync (one more small collective): a process that saw no batch takes the others'
            number, processes that inferred different numbers raise the same ``ValueError``.
        kwargs: the options of :class:`calipers.Metric`.

    Example:
        >>> import torch
        >>> from calipers.regression import R2Score
        >>> metric = R2Score()
        >>> metric.update(torch.tensor([2.5, 0.0]), torch.tensor([3.0, -0.5]))
        >>> metric.update(torch.tensor([2.0, 8.0]), torch.tensor([2.0, 7.0]))
        >>> metric.compute()
        tensor(0.9486)
    """

    is_differentiable = True
    higher_is_better = True
    full_state_update = False
    plot_upper_bound = 1.0

    total: Tensor

    def __init__(
        self, adjusted: int = 0, multioutput: str = "uniform_average", *, num_outputs: int | None = None, **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        _r2_score_arg_validation(type(self).__name__, adjusted, multioutput, num_outputs)
        self.adjusted = adjusted
        self.multioutput = multioutput
        self.num_outputs = num_outputs
        self._outputs_seen: tuple[int, ...] | None = None
        add_statistic_states(self, _REDUCTIONS, () if num_outputs is None else (num_outputs,))
        self.add_state("total", torch.tensor(0.0, dtype=torch.float64), dist_reduce_fx="sum")

    def update(self, preds: Tensor, target: Tensor) -> None:
        """Add the statistics of a batch."""
        check_devices(type(self).__name__, self.device, preds=preds, target=target)
        _r2_score_tensor_validation(type(self).__name__, preds, target, self.num_outputs)
        outputs = check_inferred_outputs(self, preds, R2_STATES[0])
        if not preds.shape[0]:  # an empty batch is a no-op: it fixes no number of outputs either
            return
        preds, target = _r2_score_format(preds, target)
        if not fold_r2_batch(self, preds, target, R2_STATES):
            stats, num_obs = _r2_score_update(preds, target, statistics_dtype(self, "total"))
            fold_statistics(self, _REDUCTIONS, zip(R2_STATES, stats))
            self.total.add_(num_obs)
        self.__dict__["_outputs_seen"] = outputs  # a plain attribute: no need for Module.__setattr__

    def forward(self, preds: Tensor, target: Tensor) -> Tensor:
        """The R² of the batch, which is also added to the states (checked against them first)."""
        _r2_score_tensor_validation(type(self).__name__, preds, target, self.num_outputs)
        check_inferred_outputs(self, preds, R2_STATES[0])
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
        """The R² over every sample seen, in the metric's dtype."""
        stats = tuple(getattr(self, name) for name in R2_STATES)
        return _r2_score_compute(stats, self.total, self.adjusted, self.multioutput, type(self).__name__).to(self.dtype)
