"""`ClasswiseWrapper`: a per-class metric value as a dict keyed by class label."""

from __future__ import annotations

from typing import Any

from torch import Tensor

from calipers.metric import Metric
from calipers.wrappers.abstract import WrapperMetric, rollback_on_error

__all__ = ["ClasswiseWrapper"]


def _declared_classes(metric: Metric) -> int | None:
    """The number of classes (or labels) the wrapped metric declares, if it declares one."""
    for name in ("num_classes", "num_labels"):
        value = getattr(metric, name, None)
        if isinstance(value, int) and not isinstance(value, bool) and value > 0:
            return value
    return None


def _class_count(value: Any) -> int | None:
    """Entries along dim 0 of a per-class value (a 0-d tensor is one class, squeezed); ``None`` for a non-tensor."""
    if not isinstance(value, Tensor):
        return None
    return len(value) if value.ndim else 1


def _local_value(metric: Metric) -> Any:
    """``metric.compute()`` on this process's states alone (no sync, no cache kept, no warning)."""
    d = metric.__dict__
    saved = {name: d[name] for name in ("_computed", "_to_sync", "_silence_compute_warning")}
    try:
        d.update(_computed=None, _to_sync=False, _silence_compute_warning=True)
        return metric.compute()
    finally:
        d.update(saved)


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
        ValueError: if ``labels`` does not have one entry per class: at construction when the metric declares
            ``num_classes`` (or ``num_labels``), else on the first ``update``, before any state changes.

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
        known = _declared_classes(metric)
        if labels is not None and known is not None and len(labels) != known:
            raise ValueError(
                f"ClasswiseWrapper: `labels` must have one entry per class of the wrapped metric ({known}), "
                f"got {len(labels)}: {labels!r}."
            )
        self.metric = metric
        self.labels = labels
        self._prefix = prefix
        self._postfix = postfix
        self._labels_checked = labels is None or known is not None

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
            prefix, postfix = f"{self.metric._get_name().lower()}_", ""
        else:
            prefix, postfix = self._prefix or "", self._postfix or ""
        names = self.labels if self.labels is not None else [str(i) for i in range(_class_count(value) or 0)]
        return {
            f"{prefix}{label}{postfix}": v for label, v in zip(names, value.reshape(1) if value.ndim == 0 else value)
        }

    def _check_labels_on_first_update(self, *args: Any, **kwargs: Any) -> None:
        """When the number of classes was not known at construction: update, count the classes, roll back if wrong.

        The wrapped metric's value after this first batch gives the number of classes (computed locally, never
        synced); a ``labels`` list of another length raises with every state as it was before the call.
        """
        metric = self.metric
        with rollback_on_error([metric]):
            metric.update(*args, **kwargs)
            value = _local_value(metric)
            count = _class_count(value)
            assert self.labels is not None
            if count is not None and count != len(self.labels):
                raise ValueError(
                    f"ClasswiseWrapper: `labels` must have one entry per class of the wrapped metric ({count}), "
                    f"got {len(self.labels)}: {self.labels!r}."
                )
        self.__dict__["_labels_checked"] = True

    def update(self, *args: Any, **kwargs: Any) -> None:
        """Update the wrapped metric.

        Raises:
            ValueError: on the first update, when ``labels`` does not have one entry per class of the metric's
                value (only when the number of classes was not known at construction); no state changes.
        """
        if not self.__dict__["_labels_checked"]:
            self._check_labels_on_first_update(*args, **kwargs)
            return
        self.metric.update(*args, **kwargs)

    def compute(self) -> dict[str, Tensor]:
        """The wrapped metric's value, one entry per class."""
        return self._convert_output(self.metric.compute())

    def forward(self, *args: Any, **kwargs: Any) -> dict[str, Tensor]:
        """The wrapped metric's ``forward``, one entry per class."""
        if not self.__dict__["_labels_checked"]:
            with rollback_on_error([self.metric]):
                value = self.metric(*args, **kwargs)
                count = _class_count(value)
                if count is not None and count != len(self.labels or ()):
                    raise ValueError(
                        f"ClasswiseWrapper: `labels` must have one entry per class of the wrapped metric "
                        f"({count}), got {len(self.labels or ())}: {self.labels!r}."
                    )
            self.__dict__["_labels_checked"] = True
            return self._after_forward(self._convert_output(value))  # type: ignore[no-any-return]
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
