"""STOI (short-time objective intelligibility), wrapping the ``pystoi`` package (extra ``calipers-audio[stoi]``)."""

from __future__ import annotations

import numpy as np
import torch
from torch import Tensor

from calipers._checks import check_flag, check_int
from calipers.functional.audio._common import _check_signals
from calipers.functional.audio._extras import import_extra, score_signals

__all__ = ["short_time_objective_intelligibility"]


def _stoi_arg_validation(name: str, fs: object, extended: object) -> None:
    """``fs`` an int >= 1; ``extended`` a bool."""
    check_int(name, "fs", fs, 1)
    check_flag(name, "extended", extended)


def _stoi_tensor_validation(name: str, preds: object, target: object) -> tuple[Tensor, Tensor]:
    """Real tensors of one shape ``(..., time)``."""
    return _check_signals(name, preds, target)


def _stoi_format(preds: Tensor, target: Tensor) -> tuple[np.ndarray, np.ndarray]:
    """Float64 host arrays ``(N, time)``."""
    p = preds.detach().reshape(-1, preds.shape[-1]).to("cpu", torch.float64).numpy()
    t = target.detach().reshape(-1, target.shape[-1]).to("cpu", torch.float64).numpy()
    return p, t


def _stoi_update(name: str, preds: Tensor, target: Tensor, fs: int, extended: bool) -> Tensor:
    """STOI of every signal, float64 on the host, shape ``preds.shape[:-1]``."""
    import_extra(name, "pystoi", "stoi")
    p, t = _stoi_format(preds, target)
    values = score_signals(name, "stoi", extended, fs, t, p, 1)
    return torch.from_numpy(values).reshape(preds.shape[:-1])


def short_time_objective_intelligibility(
    preds: Tensor, target: Tensor, fs: int, extended: bool = False, keep_same_device: bool = False
) -> Tensor:
    """Short-time objective intelligibility (STOI, or extended STOI) of every signal.

    Wraps the ``pystoi`` package (``pip install calipers-audio[stoi]``); the signals are scored on the host.

    Args:
        preds: degraded signals, shape ``(..., time)``.
        target: clean signals, the shape of ``preds``.
        fs: sampling rate in Hz (pystoi resamples to 10 kHz).
        extended: the extended STOI (Jensen and Taal, 2016).
        keep_same_device: return the values on the device of ``preds`` (else on the host).

    Returns:
        The STOI of every signal, float64, shape ``preds.shape[:-1]``.

    Raises:
        ExtraNotInstalledError: if ``pystoi`` is not installed (a ``ModuleNotFoundError`` naming the extra).
        TypeError: if an input is not a real tensor or an argument has the wrong type.
        ValueError: if the shapes differ, ``fs < 1``, or a signal cannot be scored (its index is named).

    Example:
        >>> import torch
        >>> from calipers.functional.audio import short_time_objective_intelligibility
        >>> g = torch.Generator().manual_seed(1)
        >>> target = torch.randn(2, 8000, generator=g)
        >>> preds = target + 0.5 * torch.randn(2, 8000, generator=g)
        >>> short_time_objective_intelligibility(preds, target, 8000).shape
        torch.Size([2])
    """
    name = "short_time_objective_intelligibility"
    _stoi_arg_validation(name, fs, extended)
    check_flag(name, "keep_same_device", keep_same_device)
    p, t = _stoi_tensor_validation(name, preds, target)
    values = _stoi_update(name, p, t, fs, extended)
    return values.to(p.device) if keep_same_device else values
