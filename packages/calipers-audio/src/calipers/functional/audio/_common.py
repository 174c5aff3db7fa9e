"""Input checks and dtype rules shared by the audio metrics.

Every per-signal metric takes ``preds`` and ``target`` of one shape ``(..., time)`` and returns one value per
signal, shape ``(...)``. Half-precision inputs are computed in float32 (their sums of squares overflow float16) and
the values are returned in the input dtype; float64 stays float64.
"""

from __future__ import annotations

import torch
from torch import Tensor

from calipers._checks import check_same_device, check_same_shape, check_tensor

__all__: list[str] = []


def _check_signals(name: str, preds: object, target: object, *, min_ndim: int = 1) -> tuple[Tensor, Tensor]:
    """Real tensors of one shape on one device with at least ``min_ndim`` dimensions (the last one is time)."""
    p = check_tensor(name, "preds", preds, "real")
    t = check_tensor(name, "target", target, "real")
    check_same_device(name, p, t)
    check_same_shape(name, p, t)
    if p.ndim < min_ndim:
        what = "(..., time)" if min_ndim == 1 else "(..., spk, time)"
        raise ValueError(f"{name}: `preds` must have shape {what}, got shape {tuple(p.shape)}.")
    return p, t


def _value_dtype(*tensors: Tensor) -> torch.dtype:
    """The dtype of the values: the promoted floating dtype of the inputs (default dtype for integers)."""
    dtype = tensors[0].dtype
    for t in tensors[1:]:
        dtype = torch.promote_types(dtype, t.dtype)
    return dtype if dtype.is_floating_point else torch.get_default_dtype()


def _compute_dtype(dtype: torch.dtype) -> torch.dtype:
    """Half precision is computed in float32; float32 and float64 as they are."""
    return torch.float32 if dtype in (torch.float16, torch.bfloat16) else dtype


def _as_compute(dtype: torch.dtype, *tensors: Tensor) -> tuple[Tensor, ...]:
    return tuple(t if t.dtype == dtype else t.to(dtype) for t in tensors)


def _centre(x: Tensor) -> Tensor:
    return x - x.mean(dim=-1, keepdim=True)
