"""`BootStrapper`: confidence statistics of a metric by resampling every batch, once per bootstrap copy."""

from __future__ import annotations

from collections.abc import Mapping
from copy import deepcopy
from typing import Any, Literal, cast

import torch
from torch import Tensor
from torch.nn import ModuleList

from calipers.metric import Metric
from calipers.wrappers.abstract import WrapperMetric, rollback_on_error

__all__ = ["BootStrapper"]

_STRATEGIES = ("multinomial", "poisson")


def _bootstrap_sampler(size: int, sampling_strategy: str, generator: torch.Generator | None = None) -> Tensor:
    """Indices of one resample of ``size`` rows, drawn on the CPU.

    ``"poisson"``: row ``i`` is taken ``n_i ~ Poisson(1)`` times (the size varies; it approximates the bootstrap of
    the whole data set, batch by batch). ``"multinomial"``: ``size`` rows drawn with replacement.
    """
    if sampling_strategy == "poisson":
        counts = torch.poisson(torch.ones(size), generator=generator).long()
        return torch.arange(size).repeat_interleave(counts)
    return torch.multinomial(torch.ones(size), num_samples=size, replacement=True, generator=generator)


def _select(x: Any, index: Tensor) -> Any:
    """Rows ``index`` of every tensor in ``x`` (tensors nested in lists, tuples and dicts too)."""
    if isinstance(x, Tensor):
        return x.index_select(0, index.to(x.device))
    if isinstance(x, Mapping):
        return {k: _select(v, index) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return type(x)(_select(v, index) for v in x)
    return x


def _row_counts(x: Any, out: list[int]) -> list[int]:
    """The number of rows (``shape[0]``) of every tensor of at least one dimension in ``x``, in order."""
    if isinstance(x, Tensor):
        if x.ndim:
            out.append(int(x.shape[0]))
        return out
    values = x.values() if isinstance(x, Mapping) else x if isinstance(x, (list, tuple)) else ()
    for v in values:
        _row_counts(v, out)
    return out


def _value_without_data(metric: Metric) -> Any:
    d = metric.__dict__
    saved = {name: d[name] for name in (*d["_defaults"], "_update_count", "_computed", "_to_sync")}
    try:
        metric._reset_states()
        d.update(_update_count=0, _computed=None, _to_sync=False)
        return metric.compute()
    finally:
        d.update(saved)


class BootStrapper(WrapperMetric):
    r"""Keep ``num_bootstraps`` copies of a metric, each fed its own resample (with replacement) of every batch.

    ``compute`` (and ``forward``, on the batch) returns statistics over the copies' values: ``mean``, ``std``
    (unbiased), ``quantile`` (along the copies) and ``raw`` (every copy's value), as chosen. Under
    ``torch.distributed`` each rank resamples its own data and the states of all copies are synced in one batch.

    Args:
        base_metric: the metric to bootstrap (copied ``num_bootstraps`` times).
        num_bootstraps: the number of copies.
        mean: return the mean of the copies' values.
        std: return their standard deviation.
        quantile: return this quantile (a float or tensor in ``[0, 1]``) of their values.
        raw: return all of their values, stacked.
        sampling_strategy: ``"poisson"`` (each row taken ``Poisson(1)`` times) or ``"multinomial"`` (``n`` rows
            drawn with replacement).
        generator: the random generator of the resampling (default: torch's global one); calipers only.
        kwargs: the options of :class:`calipers.Metric`.

    Raises:
        TypeError: if ``base_metric`` is not a calipers metric, a flag is not a bool or ``generator`` not a
            ``torch.Generator``.
        ValueError: for a non-positive ``num_bootstraps``, a ``quantile`` outside ``[0, 1]`` or an unknown
            ``sampling_strategy``; in ``update``, for inputs without any tensor or tensors with different numbers
            of rows.

    Example:
        >>> import torch
        >>> from calipers import MeanMetric
        >>> from calipers.wrappers import BootStrapper
        >>> metric = BootStrapper(MeanMetric(), num_bootstraps=50, generator=torch.Generator().manual_seed(0))
        >>> metric.update(torch.arange(100.0))
        >>> out = metric.compute()
        >>> sorted(out), round(out["mean"].item() / 10), round(out["std"].item())
        (['mean', 'std'], 5, 3)
    """

    full_state_update = True
    metrics: ModuleList

    def __init__(
        self,
        base_metric: Metric,
        num_bootstraps: int = 10,
        mean: bool = True,
        std: bool = True,
        quantile: float | Tensor | None = None,
        raw: bool = False,
        sampling_strategy: Literal["poisson", "multinomial"] = "poisson",
        *,
        generator: torch.Generator | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        if not isinstance(base_metric, Metric):
            raise TypeError(f"BootStrapper: `base_metric` must be a calipers Metric, got {type(base_metric).__name__}.")
        if isinstance(num_bootstraps, bool) or not isinstance(num_bootstraps, int) or num_bootstraps < 1:
            raise ValueError(f"BootStrapper: `num_bootstraps` must be a positive integer, got {num_bootstraps!r}.")
        for name, flag in (("mean", mean), ("std", std), ("raw", raw)):
            if not isinstance(flag, bool):
                raise TypeError(f"BootStrapper: `{name}` must be a bool, got {flag!r}.")
        if quantile is not None:
            q = torch.as_tensor(quantile, dtype=torch.float64)
            if q.numel() == 0 or bool(((q < 0) | (q > 1) | q.isnan()).any()):
                raise ValueError(f"BootStrapper: `quantile` must be in [0, 1], got {quantile!r}.")
        if sampling_strategy not in _STRATEGIES:
            raise ValueError(
                f"BootStrapper: `sampling_strategy` must be one of {list(_STRATEGIES)}, got {sampling_strategy!r}."
            )
        if generator is not None and not isinstance(generator, torch.Generator):
            raise TypeError(f"BootStrapper: `generator` must be a torch.Generator or None, got {generator!r}.")
        self.metrics = ModuleList([deepcopy(base_metric) for _ in range(num_bootstraps)])
        for copy in self.metrics:
            copy.__dict__["_silence_compute_warning"] = True  # the wrapper warns once itself
        self.num_bootstraps = num_bootstraps
        self.mean = mean
        self.std = std
        self.quantile = quantile
        self.raw = raw
        self.sampling_strategy = sampling_strategy
        self.generator = generator

    def _copies(self) -> list[Metric]:
        return cast(list[Metric], list(self.metrics))

    def _resamples(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> list[Tensor]:
        rows = _row_counts(kwargs, _row_counts(args, []))
        if not rows:
            raise ValueError("BootStrapper: the inputs must hold at least one tensor with rows to resample, got none.")
        if any(n != rows[0] for n in rows):  # resampled rows would pair values of different samples
            raise ValueError(
                f"BootStrapper: the tensor inputs must all have the same number of rows (dim 0), got {rows}."
            )
        size = rows[0]
        if size == 0:  # an empty batch: nothing to resample, every copy is left as it is
            return [torch.zeros(0, dtype=torch.long) for _ in range(self.num_bootstraps)]
        return [_bootstrap_sampler(size, self.sampling_strategy, self.generator) for _ in range(self.num_bootstraps)]

    def update(self, *args: Any, **kwargs: Any) -> None:
        """Update each copy with its own resample of the batch (rows of every tensor input, along dim 0)."""
        resamples = self._resamples(args, kwargs)
        with rollback_on_error([self.metrics]):
            for copy, index in zip(self._copies(), resamples):
                if index.numel():
                    copy.update(*_select(args, index), **_select(kwargs, index))

    def _statistics(self, values: Tensor) -> dict[str, Tensor]:
        out: dict[str, Tensor] = {}
        if self.mean:
            out["mean"] = values.mean(dim=0)
        if self.std:
            out["std"] = values.std(dim=0)
        if self.quantile is not None:
            q = torch.as_tensor(self.quantile, dtype=values.dtype, device=values.device)
            out["quantile"] = torch.quantile(values, q, dim=0)
        if self.raw:
            out["raw"] = values
        return out

    def compute(self) -> dict[str, Tensor]:
        """Statistics of the copies' values."""
        values = torch.stack([torch.as_tensor(copy.compute()) for copy in self._copies()])
        return self._statistics(values.to(torch.promote_types(values.dtype, torch.get_default_dtype())))

    def forward(self, *args: Any, **kwargs: Any) -> dict[str, Tensor]:
        """Update each copy with its resample; return the statistics of the copies' values on their resamples."""
        if self.dist_sync_on_step:
            return self._forward_full(*args, **kwargs)  # type: ignore[no-any-return]
        resamples = self._resamples(args, kwargs)
        batch = []
        with rollback_on_error([self.metrics]):
            for copy, index in zip(self._copies(), resamples):
                if index.numel():
                    batch.append(torch.as_tensor(copy(*_select(args, index), **_select(kwargs, index))))
                else:  # an empty resample: the value on no data, as the copy would give after a reset
                    batch.append(torch.as_tensor(_value_without_data(copy)))
        values = torch.stack(batch)
        values = values.to(torch.promote_types(values.dtype, torch.get_default_dtype()))
        return self._after_forward(self._statistics(values))  # type: ignore[no-any-return]
