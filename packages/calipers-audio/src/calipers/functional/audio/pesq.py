"""PESQ (ITU-T P.862), wrapping the ``pesq`` package (extra ``calipers-audio[pesq]``); the ITU code is not ours."""

from __future__ import annotations

import numpy as np
import torch
from torch import Tensor

from calipers._checks import check_choice, check_flag, check_int
from calipers.functional.audio._common import _check_signals
from calipers.functional.audio._extras import import_extra, score_signals

__all__ = ["perceptual_evaluation_speech_quality"]


def _pesq_arg_validation(name: str, fs: object, mode: object, n_processes: object) -> None:
    """``fs`` in {8000, 16000}, ``mode`` in {"nb", "wb"} (``"wb"`` needs 16 kHz), ``n_processes`` an int >= 1."""
    if not isinstance(fs, int) or isinstance(fs, bool):
        raise TypeError(f"{name}: `fs` must be one of [16000, 8000], got {fs!r}.")
    check_choice(name, "fs", fs, [8000, 16000])
    check_choice(name, "mode", mode, ["nb", "wb"])
    if mode == "wb" and fs != 16000:
        raise ValueError(f"{name}: `mode` must be 'nb' with fs=8000 (wide-band PESQ needs 16000 Hz), got 'wb'.")
    check_int(name, "n_processes", n_processes, 1)


def _pesq_tensor_validation(name: str, preds: object, target: object) -> tuple[Tensor, Tensor]:
    """Real tensors of one shape ``(..., time)``."""
    return _check_signals(name, preds, target)


def _pesq_format(preds: Tensor, target: Tensor) -> tuple[np.ndarray, np.ndarray]:
    """Float64 host arrays ``(N, time)``."""
    p = preds.detach().reshape(-1, preds.shape[-1]).to("cpu", torch.float64).numpy()
    t = target.detach().reshape(-1, target.shape[-1]).to("cpu", torch.float64).numpy()
    return p, t


def _pesq_update(name: str, preds: Tensor, target: Tensor, fs: int, mode: str, n_processes: int) -> Tensor:
    """PESQ of every signal, float32 on the host, shape ``preds.shape[:-1]``."""
    import_extra(name, "pesq", "pesq")
    p, t = _pesq_format(preds, target)
    values = score_signals(name, "pesq", mode, fs, t, p, n_processes)
    return torch.from_numpy(values).to(torch.float32).reshape(preds.shape[:-1])


def perceptual_evaluation_speech_quality(
    preds: Tensor, target: Tensor, fs: int, mode: str, keep_same_device: bool = False, n_processes: int = 1
) -> Tensor:
    """Perceptual evaluation of speech quality (PESQ, MOS-LQO from -0.5 to 4.5) of every signal.

    Wraps the ``pesq`` package (``pip install calipers-audio[pesq]``); the signals are scored on the host.

    Args:
        preds: degraded signals, shape ``(..., time)``.
        target: reference signals, the shape of ``preds``.
        fs: sampling rate, 8000 or 16000 Hz.
        mode: ``"wb"`` (wide band, 16 kHz only) or ``"nb"`` (narrow band).
        keep_same_device: return the values on the device of ``preds`` (else on the host).
        n_processes: score in this many worker processes (one persistent pool, started on first use).

    Returns:
        The PESQ of every signal, float32, shape ``preds.shape[:-1]``.

    Raises:
        ExtraNotInstalledError: if ``pesq`` is not installed (a ``ModuleNotFoundError`` naming the extra).
        TypeError: if an input is not a real tensor or an argument has the wrong type.
        ValueError: if the shapes differ, an argument is out of range, or a signal cannot be scored (too short, no
            utterance...): the error names its index in the flattened batch.

    Example:
        >>> import torch
        >>> from calipers.functional.audio import perceptual_evaluation_speech_quality
        >>> t = torch.arange(8000) / 8000
        >>> target = torch.sin(2 * torch.pi * 220 * t) * (1 + torch.sin(2 * torch.pi * 3 * t))
        >>> preds = target + 0.1 * torch.sin(2 * torch.pi * 1700 * t)
        >>> perceptual_evaluation_speech_quality(preds, target, 8000, "nb").shape
        torch.Size([])
    """
    name = "perceptual_evaluation_speech_quality"
    _pesq_arg_validation(name, fs, mode, n_processes)
    check_flag(name, "keep_same_device", keep_same_device)
    p, t = _pesq_tensor_validation(name, preds, target)
    values = _pesq_update(name, p, t, fs, mode, n_processes)
    return values.to(p.device) if keep_same_device else values
