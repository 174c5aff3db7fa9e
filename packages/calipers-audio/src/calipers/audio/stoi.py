"""`ShortTimeObjectiveIntelligibility`: STOI averaged over every signal (extra ``calipers-audio[stoi]``)."""

from __future__ import annotations

from typing import Any, ClassVar

from torch import Tensor

from calipers.audio._mean import _MeanOfSignalValues
from calipers.functional.audio._extras import import_extra
from calipers.functional.audio.stoi import _stoi_arg_validation, _stoi_tensor_validation, _stoi_update

__all__ = ["ShortTimeObjectiveIntelligibility"]


class ShortTimeObjectiveIntelligibility(_MeanOfSignalValues):
    """Short-time objective intelligibility (STOI), averaged over every signal.

    See :func:`calipers.functional.audio.short_time_objective_intelligibility` for the inputs.

    Args:
        fs: sampling rate in Hz.
        extended: the extended STOI.
        kwargs: the options of :class:`calipers.Metric`.

    Raises:
        ExtraNotInstalledError: if ``pystoi`` is not installed (names ``calipers-audio[stoi]``).

    Example:
        >>> import torch
        >>> from calipers.audio import ShortTimeObjectiveIntelligibility
        >>> g = torch.Generator().manual_seed(1)
        >>> target = torch.randn(2, 8000, generator=g)
        >>> metric = ShortTimeObjectiveIntelligibility(8000)
        >>> metric.update(target + 0.5 * torch.randn(2, 8000, generator=g), target)
        >>> bool(0 < metric.compute() < 1)
        True
    """

    is_differentiable: ClassVar[bool] = False

    def __init__(self, fs: int, extended: bool = False, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        name = type(self).__name__
        import_extra(name, "pystoi", "stoi")
        _stoi_arg_validation(name, fs, extended)
        self.fs = fs
        self.extended = extended

    def update(self, preds: Tensor, target: Tensor) -> None:
        """Add the STOI of every signal of the batch."""
        name = type(self).__name__
        p, t = _stoi_tensor_validation(name, preds, target)
        self._check_devices(p, t)
        self._fold(_stoi_update(name, p, t, self.fs, self.extended).to(self.sum_value.device))
