"""`PerceptualEvaluationSpeechQuality`: PESQ averaged over every signal (extra ``calipers-audio[pesq]``)."""

from __future__ import annotations

from typing import Any, ClassVar

from torch import Tensor

from calipers.audio._mean import _MeanOfSignalValues
from calipers.functional.audio._extras import import_extra
from calipers.functional.audio.pesq import _pesq_arg_validation, _pesq_tensor_validation, _pesq_update

__all__ = ["PerceptualEvaluationSpeechQuality"]


class PerceptualEvaluationSpeechQuality(_MeanOfSignalValues):
    """Perceptual evaluation of speech quality (PESQ), averaged over every signal.

    See :func:`calipers.functional.audio.perceptual_evaluation_speech_quality` for the inputs. With
    ``n_processes > 1`` the signals are scored by one persistent pool of worker processes.

    Args:
        fs: sampling rate, 8000 or 16000 Hz.
        mode: ``"wb"`` (16 kHz only) or ``"nb"``.
        n_processes: worker processes (an int >= 1).
        kwargs: the options of :class:`calipers.Metric`.

    Raises:
        ExtraNotInstalledError: if ``pesq`` is not installed (names ``calipers-audio[pesq]``).

    Example:
        >>> import torch
        >>> from calipers.audio import PerceptualEvaluationSpeechQuality
        >>> t = torch.arange(8000) / 8000
        >>> target = torch.sin(2 * torch.pi * 220 * t) * (1 + torch.sin(2 * torch.pi * 3 * t))
        >>> metric = PerceptualEvaluationSpeechQuality(8000, "nb")
        >>> metric.update(target + 0.1 * torch.sin(2 * torch.pi * 1700 * t), target)
        >>> bool(-0.5 <= metric.compute() <= 4.5)
        True
    """

    is_differentiable: ClassVar[bool] = False

    def __init__(self, fs: int, mode: str, n_processes: int = 1, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        name = type(self).__name__
        import_extra(name, "pesq", "pesq")
        _pesq_arg_validation(name, fs, mode, n_processes)
        self.fs = fs
        self.mode = mode
        self.n_processes = n_processes

    def update(self, preds: Tensor, target: Tensor) -> None:
        """Add the PESQ of every signal of the batch."""
        name = type(self).__name__
        p, t = _pesq_tensor_validation(name, preds, target)
        self._check_devices(p, t)
        self._fold(_pesq_update(name, p, t, self.fs, self.mode, self.n_processes).to(self.sum_value.device))
