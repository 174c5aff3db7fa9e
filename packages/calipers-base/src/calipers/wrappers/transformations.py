"""Input transformers: wrappers that change the predictions and/or targets before the wrapped metric sees them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from torch import Tensor

from calipers._checks import check_tensor
from calipers.collections import MetricCollection
from calipers.metric import Metric
from calipers.wrappers.abstract import WrapperMetric

__all__ = ["BinaryTargetTransformer", "LambdaInputTransformer", "MetricInputTransformer"]


class MetricInputTransformer(WrapperMetric):
    """Apply :meth:`transform_pred` to the first input and :meth:`transform_target` to the second, then delegate.

    Further positional and keyword inputs pass unchanged. The base class transforms nothing: subclass it and
    override the two methods (or use :class:`LambdaInputTransformer`).

    Args:
        wrapped_metric: the metric or collection fed with the transformed inputs.
        kwargs: the options of :class:`calipers.Metric`.

    Raises:
        TypeError: if ``wrapped_metric`` is not a calipers metric or collection.

    Example:
        >>> import torch
        >>> from calipers import SumMetric
        >>> from calipers.wrappers import MetricInputTransformer
        >>> class Squared(MetricInputTransformer):
        ...     def transform_pred(self, pred):
        ...         return pred**2
        >>> metric = Squared(SumMetric())
        >>> metric.update(torch.tensor([1.0, 2.0]))
        >>> metric.compute()
        tensor(5.)
    """

    full_state_update = True
    wrapped_metric: Metric | MetricCollection

    def __init__(self, wrapped_metric: Metric | MetricCollection, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if not isinstance(wrapped_metric, (Metric, MetricCollection)):
            raise TypeError(
                f"{self._get_name()}: `wrapped_metric` must be a calipers Metric or MetricCollection, "
                f"got {type(wrapped_metric).__name__}."
            )
        self.wrapped_metric = wrapped_metric

    def transform_pred(self, pred: Tensor) -> Tensor:
        """The transformation of the predictions (identity here)."""
        return pred

    def transform_target(self, target: Tensor) -> Tensor:
        """The transformation of the targets (identity here)."""
        return target

    def _wrap_transform(self, *args: Any) -> tuple[Any, ...]:
        if not args:
            return args
        if len(args) == 1:
            return (self.transform_pred(args[0]),)
        return (self.transform_pred(args[0]), self.transform_target(args[1]), *args[2:])

    def update(self, *args: Any, **kwargs: Any) -> None:
        """Update the wrapped metric with the transformed inputs."""
        self.wrapped_metric.update(*self._wrap_transform(*args), **kwargs)

    def compute(self) -> Any:
        """The wrapped metric's value."""
        return self.wrapped_metric.compute()

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        """The wrapped metric's ``forward`` on the transformed inputs."""
        if self.dist_sync_on_step:
            return self._forward_full(*args, **kwargs)
        return self._after_forward(self.wrapped_metric(*self._wrap_transform(*args), **kwargs))


class LambdaInputTransformer(MetricInputTransformer):
    """Transform the predictions and/or targets with functions given as arguments.

    The functions must be picklable (module-level functions, not lambdas) for pickling, ``clone`` across processes
    and distributed use; lambdas work in a single process.

    Args:
        wrapped_metric: the metric or collection fed with the transformed inputs.
        transform_pred: applied to the predictions (default: identity).
        transform_target: applied to the targets (default: identity).
        kwargs: the options of :class:`calipers.Metric`.

    Raises:
        TypeError: if a transformation is not callable.

    Example:
        >>> import torch
        >>> from calipers import MeanMetric
        >>> from calipers.wrappers import LambdaInputTransformer
        >>> metric = LambdaInputTransformer(MeanMetric(), transform_pred=torch.abs)
        >>> metric.update(torch.tensor([-1.0, 3.0]))
        >>> metric.compute()
        tensor(2.)
    """

    def __init__(
        self,
        wrapped_metric: Metric | MetricCollection,
        transform_pred: Callable[[Tensor], Tensor] | None = None,
        transform_target: Callable[[Tensor], Tensor] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(wrapped_metric, **kwargs)
        for name, fn in (("transform_pred", transform_pred), ("transform_target", transform_target)):
            if fn is not None:
                if not callable(fn):
                    raise TypeError(f"LambdaInputTransformer: `{name}` must be callable or None, got {fn!r}.")
                self.__dict__[name] = fn


class BinaryTargetTransformer(MetricInputTransformer):
    """Binarise the targets: ``target > threshold``, in the targets' dtype.

    Args:
        wrapped_metric: the metric or collection fed with the binarised targets.
        threshold: targets above it become 1, the others 0.
        kwargs: the options of :class:`calipers.Metric`.

    Raises:
        TypeError: if ``threshold`` is not a number, or (in ``update``/``forward``) ``target`` not a real tensor.

    Example:
        >>> import torch
        >>> from calipers import SumMetric
        >>> from calipers.wrappers import BinaryTargetTransformer
        >>> class TargetSum(SumMetric):
        ...     def update(self, preds, target):
        ...         super().update(target)
        >>> metric = BinaryTargetTransformer(TargetSum(), threshold=0.5)
        >>> metric.update(torch.zeros(3), torch.tensor([0.2, 0.7, 3.0]))
        >>> metric.compute()
        tensor(2.)
    """

    def __init__(self, wrapped_metric: Metric | MetricCollection, threshold: float = 0, **kwargs: Any) -> None:
        super().__init__(wrapped_metric, **kwargs)
        if isinstance(threshold, bool) or not isinstance(threshold, (int, float)):
            raise TypeError(f"BinaryTargetTransformer: `threshold` must be an int or a float, got {threshold!r}.")
        self.threshold = threshold

    def transform_target(self, target: Tensor) -> Tensor:
        """``target > threshold`` as 0/1 in the targets' dtype (``TypeError`` unless ``target`` is a real tensor)."""
        check_tensor(self._get_name(), "target", target, "real")
        return target.gt(self.threshold).to(target.dtype)
