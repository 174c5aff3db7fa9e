r"""Batched symmetric positive-definite Toeplitz systems for the SDR, in torch (any device, float64).

The SDR needs :math:`c = b^\top R^{-1} b` where :math:`R` is the symmetric Toeplitz matrix of a signal's
autocorrelation ``r`` (``L`` lags) and ``b`` its cross-correlation with the estimate. Two solvers:

* :func:`toeplitz_quadratic_form` (exact): the Durbin recursion gives the order ``L - 1`` prediction polynomial
  ``a`` and error ``E`` in ``O(L^2)`` per system, then the Gohberg-Semencul formula
  :math:`R^{-1} = E^{-1} (A A^\top - B B^\top)` (``A``, ``B`` lower-triangular Toeplitz of ``a`` and of its shifted
  reversal) gives :math:`c = E^{-1} (\lVert A^\top b\rVert^2 - \lVert B^\top b\rVert^2)` with four FFTs.
  Every operation acts on the whole batch; there is no dense ``L x L`` matrix and no per-signal loop.
* :func:`toeplitz_conjugate_gradient` (``use_cg_iter``): a fixed number of conjugate-gradient iterations from
  zero, preconditioned by T. Chan's optimal circulant approximation (as fast-bss-eval, which TorchMetrics calls),
  both operators applied by FFT. It is checked: a system that has converged (or whose curvature is not positive)
  is frozen, where fast-bss-eval floors the denominators at 1e-6 and then drifts.
"""

from __future__ import annotations

from functools import lru_cache

import torch
from torch import Tensor

__all__ = ["toeplitz_conjugate_gradient", "toeplitz_quadratic_form"]

# A system whose preconditioned residual norm fell below this fraction of its start has converged: it is frozen
# (fast-bss-eval instead floors the step denominators at 1e-6, which amplifies rounding once converged).
_CG_RELATIVE_TOLERANCE = 1e-20


@lru_cache(maxsize=32)
def _flip_indices(n: int, device: torch.device) -> Tensor:
    """Row ``k``: the index map ``i -> k + 1 - i`` on ``[0, k + 1]`` (``k + 1`` beyond), for ``k < n - 1``."""
    k = torch.arange(max(n - 1, 0), device=device)[:, None]
    i = torch.arange(n, device=device)[None, :]
    return torch.where(i <= k + 1, k + 1 - i, k + 1)


def _durbin(r: Tensor) -> tuple[Tensor, Tensor]:
    """Prediction polynomial ``a`` (``a[..., 0] = 1``) and error ``E`` of order ``L - 1`` for autocorrelation ``r``.

    ``r`` is normalised (``r[..., 0] = 1``), shape ``(N, L)``; ``E`` has shape ``(N,)``. Five operations per order.
    """
    n_sys, n = r.shape
    a = torch.zeros_like(r)
    a[:, 0] = 1.0
    reversed_r = r.flip(-1)  # reversed_r[j] = r[n - 1 - j]
    neg_error = -torch.ones(n_sys, 1, dtype=r.dtype, device=r.device)
    flips = _flip_indices(n, r.device).unbind(0)
    for k in range(n - 1):
        # reflection coefficient of order k + 1: -(sum_i a[i] r[k + 1 - i]) / E; then E <- E (1 - alpha^2)
        d = (a.narrow(1, 0, k + 1) * reversed_r.narrow(1, n - 2 - k, k + 1)).sum(1, keepdim=True)
        alpha = d / neg_error
        neg_error = torch.addcmul(neg_error, alpha, d, value=-1.0)
        a = torch.addcmul(a, alpha, a.index_select(1, flips[k]))
    return a, -neg_error[:, 0]


def _correlate(kernel: Tensor, signal_fft: Tensor, n_fft: int, n: int) -> Tensor:
    """``out[i] = sum_j kernel[j - i] signal[j]`` for ``i < n`` (the transposed lower-triangular Toeplitz product)."""
    out: Tensor = torch.fft.irfft(torch.fft.rfft(kernel, n_fft).conj() * signal_fft, n_fft)[..., :n]
    return out


def toeplitz_quadratic_form(r: Tensor, b: Tensor) -> Tensor:
    """``b^T R^{-1} b`` for the symmetric Toeplitz ``R`` with first column ``r``; ``r``, ``b`` of shape ``(N, L)``."""
    n = r.shape[-1]
    r0 = r[:, :1]
    a, error = _durbin(r / r0)
    b = b / r0.sqrt()
    shifted = torch.cat([torch.zeros_like(a[:, :1]), a[:, 1:].flip(-1)], dim=-1)
    n_fft = 2 * n
    b_fft = torch.fft.rfft(b, n_fft)
    u = _correlate(a, b_fft, n_fft, n)
    v = _correlate(shifted, b_fft, n_fft, n)
    form: Tensor = (torch.linalg.vecdot(u, u) - torch.linalg.vecdot(v, v)) / error
    return form


def toeplitz_conjugate_gradient(r: Tensor, b: Tensor, n_iter: int) -> Tensor:
    """Approximate ``b^T R^{-1} b`` by ``n_iter`` circulant-preconditioned CG iterations; shapes ``(N, L)``."""
    n = r.shape[-1]
    weights = torch.arange(1, n, dtype=r.dtype, device=r.device) / n
    tail = r[:, 1:] * weights.flip(-1)
    circulant = torch.cat([r[:, :1], tail + tail.flip(-1)], dim=-1)
    spectrum = torch.fft.rfft(circulant, dim=-1)
    inverse_spectrum = spectrum.conj() / torch.clamp(spectrum.real**2 + spectrum.imag**2, min=1e-6)
    embedding = torch.cat([r, torch.zeros_like(r[:, :1]), r[:, 1:].flip(-1)], dim=-1)
    embedding_fft = torch.fft.rfft(embedding, dim=-1)

    def forward(x: Tensor) -> Tensor:
        y: Tensor = torch.fft.irfft(torch.fft.rfft(x, 2 * n) * embedding_fft, 2 * n)[:, :n]
        return y

    def precondition(x: Tensor) -> Tensor:
        y: Tensor = torch.fft.irfft(inverse_spectrum * torch.fft.rfft(x, n), n)
        return y

    x = torch.zeros_like(b)
    residual = b
    z = precondition(residual)
    direction = z
    rs_old = torch.linalg.vecdot(residual, z)
    floor = rs_old * _CG_RELATIVE_TOLERANCE
    for _ in range(n_iter):
        image = forward(direction)
        curvature = torch.linalg.vecdot(direction, image)
        active = (rs_old > floor) & (curvature > 0)  # converged (or broken-down) systems stay where they are
        step = torch.where(active, rs_old / torch.where(active, curvature, 1.0), 0.0)
        x = x + step[:, None] * direction
        residual = residual - step[:, None] * image
        z = precondition(residual)
        rs_new = torch.linalg.vecdot(residual, z)
        direction = z + torch.where(active, rs_new / torch.where(active, rs_old, 1.0), 0.0)[:, None] * direction
        rs_old = torch.where(active, rs_new, rs_old)
    form: Tensor = torch.linalg.vecdot(b, x)
    return form
