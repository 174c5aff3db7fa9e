"""`MultioutputWrapper`: one copy of a metric per output column."""

from __future__ import annotations

from copy import deepcopy
from typing import Any, cast

import torch
from torch import Tensor
from torch.nn import ModuleList

from calipers.metric import Metric
from calipers.wrappers.abstract import WrapperMetric, rollback_on_error

__all__ = ["MultioutputWrapper"]


class MultioutputWrapper(WrapperMetric):
    """Evaluate a single-output metric on each of ``num_outputs`` outputs; ``compute`` stacks the values.

    Every tensor input is split along ``output_dim`` (which must have ``num_outputs`` entries); output ``i`` feeds
    copy ``i``. With ``remove_nans``, the rows (along dim 0) where any input of that output holds a NaN are dropped
    for that output only, so one output's missing labels do not remove the others' data.

    Args:
        base_metric: the metric to copy per output.
        num_outputs: the number of outputs.
        output_dim: the input dimension holding the outputs.
        remove_nans: drop, per output, the rows holding a NaN.
        squeeze_outputs: drop the size-1 output dimension before updating the copies.

    Raises:
        TypeError: if ``base_metric`` is not a calipers metric or a flag is not a bool.
        ValueError: for a non-positive ``num_outputs``; in ``update``, for an input whose ``output_dim`` does not
            have ``num_outputs`` entries.

    Example:
        >>> import torch
        >>> from calipers import MeanMetric
        >>> from calipers.wrappers import MultioutputWrapper
        >>> metric = MultioutputWrapper(MeanMetric(), num_outputs=2)
        >>> metric.update(torch.tensor([[1.0, 10.0], [3.0, float("nan")], [5.0, 20.0]]))
        >>> metric.compute()
        tensor([ 3., 15.])
    """

    is_differentiable = False
    full_state_update = True
    metrics: ModuleList

    def __init__(
        self,
        base_metric: Metric,
        num_outputs: int,
        output_dim: int = -1,
        remove_nans: bool = True,
        squeeze_outputs: bool = True,
    ) -> None:
        super().__init__()
        if not isinstance(base_metric, Metric):
            raise TypeError(
                f"MultioutputWrapper: `base_metric` must be a calipers Metric, got {type(base_metric).__name__}."
            )
        if isinstance(num_outputs, bool) or not isinstance(num_outputs, int) or num_outputs < 1:
            raise ValueError(f"MultioutputWrapper: `num_outputs` must be a positive integer, got {num_outputs!r}.")
        if isinstance(output_dim, bool) or not isinstance(output_dim, int):
            raise TypeError(f"MultioutputWrapper: `output_dim` must be an integer, got {output_dim!r}.")
        for name, flag in (("remove_nans", remove_nans), ("squeeze_outputs", squeeze_outputs)):
            if not isinstance(flag, bool):
                raise TypeError(f"MultioutputWrapper: `{name}` must be a bool, got {flag!r}.")
        self.metrics = ModuleList([deepcopy(base_metric) for _ in range(num_outputs)])
        for copy in self.metrics:
            copy.__dict__["_silence_compute_warning"] = True
        self.output_dim = output_dim
        self.remove_nans = remove_nans
        self.squeeze_outputs = squeeze_outputs

    def _copies(self) -> list[Metric]:
        return cast(list[Metric], list(self.metrics))

    def _by_output(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> list[tuple[list[Any], dict[str, Any]]]:
        n, dim = len(self.metrics), self.output_dim
        for x in (*args, *kwargs.values()):
            if isinstance(x, Tensor) and (x.ndim == 0 or x.shape[dim] != n):
                shape = tuple(x.shape)
                raise ValueError(
                    f"MultioutputWrapper: every tensor input must have {n} entries along dim {dim}, got shape {shape}."
                )
        out = []
        for i in range(n):
            sel_args = [x.narrow(dim, i, 1) if isinstance(x, Tensor) else x for x in args]
            sel_kwargs = {k: v.narrow(dim, i, 1) if isinstance(v, Tensor) else v for k, v in kwargs.items()}
            if self.remove_nans:
                tensors = [x for x in (*sel_args, *sel_kwargs.values()) if isinstance(x, Tensor) and x.ndim]
                if tensors:
                    nans = torch.zeros(tensors[0].shape[0], dtype=torch.bool, device=tensors[0].device)
                    for t in tensors:
                        if t.is_floating_point() or t.is_complex():
                            nans |= t.isnan().flatten(1).any(dim=1) if t.ndim > 1 else t.isnan()  # 0 rows too
                    keep = ~nans
                    sel_args = [x[keep] if isinstance(x, Tensor) and x.ndim else x for x in sel_args]
                    sel_kwargs = {k: v[keep] if isinstance(v, Tensor) and v.ndim else v for k, v in sel_kwargs.items()}
            if self.squeeze_outputs:
                sel_args = [x.squeeze(dim) if isinstance(x, Tensor) else x for x in sel_args]
                sel_kwargs = {k: v.squeeze(dim) if isinstance(v, Tensor) else v for k, v in sel_kwargs.items()}
            out.append((sel_args, sel_kwargs))
        return out

    def update(self, *args: Any, **kwargs: Any) -> None:
        """Update copy ``i`` with output ``i`` of every tensor input."""
        parts = self._by_output(args, kwargs)
        with rollback_on_error([self.metrics]):
            for copy, (a, k) in zip(self._copies(), parts):
                copy.update(*a, **k)

    def compute(self) -> Tensor:
        """The copies' values, stacked along a new first dimension."""
        return torch.stack([torch.as_tensor(copy.compute()) for copy in self._copies()], 0)

    def forward(self, *args: Any, **kwargs: Any) -> Tensor | None:
        """Forward output ``i`` to copy ``i``; return the stacked batch values."""
        parts = self._by_output(args, kwargs)
        with rollback_on_error([self.metrics]):
            values = [copy(*a, **k) for copy, (a, k) in zip(self._copies(), parts)]
        if values[0] is None:
            return self._after_forward(None)  # type: ignore[no-any-return]
        return self._after_forward(torch.stack([torch.as_tensor(v) for v in values], 0))  # type: ignore[no-any-return]
