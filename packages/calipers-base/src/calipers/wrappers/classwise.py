"""`ClasswiseWrapper`: a per-class metric value as a dict keyed by class label."""

from __future__ import annotations

from typing import Any

from torch import Tensor

from calipers.metric import Metric
from calipers.wrappers.abstract import WrapperMetric

__all__ = ["ClasswiseWrapper"]


class ClasswiseWrapper(WrapperMetric):
    """Turn a metric's per-class tensor (one value per entry of dim 0) into ``{"<prefix><label><postfix>": value}``.

    Without ``prefix`` and ``postfix`` the keys are ``"<metric class name in lower case>_<label>"``. In a
    :class:`~calipers.MetricCollection` the dict is flattened into the collection's output. Attributes the wrapper
    does not have are looked up on the wrapped metric (``wrapper.num_classes``...).

    Args:
        metric: the wrapped metric, returning one value per class.
        labels: the class names (default: the class indices).
        prefix: the start of every key (replaces the default ``"<class name>_"``).
        postfix: the end of every key.

    Raises:
        TypeError: if ``metric`` is not a calipers metric, ``labels`` not a list of strings, or ``prefix`` /
            ``postfix`` not strings.

    Example:
        >>> import torch
        >>> from calipers import CatMetric
        >>> from calipers.wrappers import ClasswiseWrapper
        >>> metric = ClasswiseWrapper(CatMetric(), labels=["cat", "dog", "fish"])
        >>> metric.update(torch.tensor([0.5, 0.25, 1.0]))
        >>> metric.compute()
        {'catmetric_cat': tensor(0.5000), 'catmetric_dog': tensor(0.2500), 'catmetric_fish': tensor(1.)}
    """

    full_state_update = True
    metric: Metric
    labels: list[str] | None

    def __init__(
        self,
        metric: Metric,
        labels: list[str] | None = None,
        prefix: str | None = None,
        postfix: str | None = None,
    ) -> None:
        super().__init__()
        if not isinstance(metric, Metric):
            raise TypeError(f"ClasswiseWrapper: `metric` must be a calipers Metric, got {type(metric).__name__}.")
        if labels is not None and not (isinstance(labels, list) and all(isinstance(x, str) for x in labels)):
            raise TypeError(f"ClasswiseWrapper: `labels` must be a list of strings or None, got {labels!r}.")
        for name, value in (("prefix", prefix), ("postfix", postfix)):
            if value is not None and not isinstance(value, str):
                raise TypeError(f"ClasswiseWrapper: `{name}` must be a string or None, got {value!r}.")
        self.metric = metric
        self.labels = labels
        self._prefix = prefix
        self._postfix = postfix

    @property
    def higher_is_better(self) -> bool | None:  # type: ignore[override]
        """That of the wrapped metric."""
        return self.metric.higher_is_better

    @property
    def is_differentiable(self) -> bool | None:  # type: ignore[override]
        """That of the wrapped metric."""
        return self.metric.is_differentiable

    def _convert_output(self, value: Tensor) -> dict[str, Tensor]:
        if self._prefix is None and self._postfix is None:
            prefix, postfix = f"{type(self.metric).__name__.lower()}_", ""
        else:
            prefix, postfix = self._prefix or "", self._postfix or ""
        names = self.labels if self.labels is not None else [str(i) for i in range(len(value))]
        return {f"{prefix}{label}{postfix}": v for label, v in zip(names, value)}

    def update(self, *args: Any, **kwargs: Any) -> None:
        """Update the wrapped metric."""
        self.metric.update(*args, **kwargs)

    def compute(self) -> dict[str, Tensor]:
        """The wrapped metric's value, one entry per class."""
        return self._convert_output(self.metric.compute())

    def forward(self, *args: Any, **kwargs: Any) -> dict[str, Tensor]:
        """The wrapped metric's ``forward``, one entry per class."""
        return self._after_forward(self._convert_output(self.metric(*args, **kwargs)))  # type: ignore[no-any-return]

    def __getattr__(self, name: str) -> Any:
        try:
            return super().__getattr__(name)
        except AttributeError:
            modules = self.__dict__.get("_modules")
            if name.startswith("__") or modules is None or "metric" not in modules:
                raise
            return getattr(modules["metric"], name)

    def _load_from_state_dict(
        self,
        state_dict: dict[str, Any],
        prefix: str,
        local_metadata: dict[str, Any],
        strict: bool,
        missing_keys: list[str],
        unexpected_keys: list[str],
        error_msgs: list[str],
    ) -> None:
        # TorchMetrics' checkpoints also hold the wrapped states at the wrapper's level: the same values, skipped.
        for name in self.metric._defaults:
            state_dict.pop(prefix + name, None)
        super()._load_from_state_dict(
            state_dict, prefix, local_metadata, strict, missing_keys, unexpected_keys, error_msgs
        )
