"""`SpeechReverberationModulationEnergyRatio`: SRMR averaged over every signal."""

from __future__ import annotations

from typing import Any

from torch import Tensor

from calipers.audio._mean import _MeanOfSignalValues
from calipers.functional.audio.srmr import (
    _srmr_arg_validation,
    _srmr_format,
    _srmr_tensor_validation,
    _srmr_update,
)

__all__ = ["SpeechReverberationModulationEnergyRatio"]


class SpeechReverberationModulationEnergyRatio(_MeanOfSignalValues):
    """Speech-to-reverberation modulation energy ratio (SRMR), averaged over every signal.

    See :func:`calipers.functional.audio.speech_reverberation_modulation_energy_ratio` for the input and the
    arguments. Native torch: no torchaudio or gammatone needed.

    Args:
        fs: sampling rate in Hz.
        n_cochlear_filters: channels of the gammatone filterbank.
        low_freq: lowest centre frequency of the gammatone filterbank (Hz).
        min_cf: centre frequency of the first modulation filter (Hz).
        max_cf: centre frequency of the last modulation filter (Hz), ``None`` for the default.
        norm: normalise the modulation energies to a 30 dB dynamic range.
        fast: take the envelopes from the FFT gammatonegram instead of the filterbank.
        kwargs: the options of :class:`calipers.Metric`.

    Example:
        >>> import torch
        >>> from calipers.audio import SpeechReverberationModulationEnergyRatio
        >>> t = torch.arange(8000) / 8000
        >>> speech = torch.sin(2 * torch.pi * 150 * t) * (1 + torch.sin(2 * torch.pi * 4 * t))
        >>> metric = SpeechReverberationModulationEnergyRatio(8000)
        >>> metric.update(speech)
        >>> bool(metric.compute() > 1)
        True
    """

    def __init__(
        self,
        fs: int,
        n_cochlear_filters: int = 23,
        low_freq: float = 125,
        min_cf: float = 4,
        max_cf: float | None = None,
        norm: bool = False,
        fast: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        _srmr_arg_validation(type(self).__name__, fs, n_cochlear_filters, low_freq, min_cf, max_cf, norm, fast)
        self.fs = fs
        self.n_cochlear_filters = n_cochlear_filters
        self.low_freq = low_freq
        self.min_cf = min_cf
        self.max_cf = max_cf
        self.norm = norm
        self.fast = fast

    def update(self, preds: Tensor) -> None:
        """Add the SRMR of every signal of the batch."""
        name = type(self).__name__
        p = _srmr_tensor_validation(name, preds, self.fs, self.fast)
        self._check_devices(p)
        values = _srmr_update(
            name,
            _srmr_format(p),
            self.fs,
            self.n_cochlear_filters,
            self.low_freq,
            self.min_cf,
            self.max_cf,
            self.norm,
            self.fast,
        )
        self._fold(values)
