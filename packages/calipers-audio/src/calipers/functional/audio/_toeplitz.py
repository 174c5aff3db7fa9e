r"""Batched symmetric positive-definite Toeplitz systems for the SDR, in torch (any device, float64).

The SDR needs :math:`c = b^\top R^{-1} b` where :math:`R` is the symmetric Toeplitz matrix of a signal's
autocorrelation ``r`` (``L`` lags) and ``b`` its cross-correlation with the estimate. Two solvers:

* :func:`toeplitz_quadratic_form` (exact): a blocked Durbin recursion gives the order ``L - 1`` prediction
  polynomial ``a`` and error ``E`` (``L / 48`` steps, each one FFT pair and one 48 x 48 Cholesky solve, instead of
  ``L`` steps of small vector operations), then the Gohberg-Semencul formula
  :math:`R^{-1} = E^{-1} (A A^\top - B B^\top)` (``A``, ``B`` lower-triangular Toeplitz of ``a`` and of its shifted
  reversal) gives :math:`c = E^{-1} (\lVert A^\top b\rVert^2 - \lVert B^\top b\rVert^2)` by FFT.
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


# Orders added per step of the blocked Durbin recursion: one s x s Cholesky solve per step, about
# L / _ORDERS_PER_STEP steps (bench workload ``audio.sdr``, L = 512: 11 steps; 40-48 fastest, 3.8 ms against 4.9 ms
# at 64 and 4.3 ms at 24 with one thread; the step costs ~ s^3 in its Cholesky solve, its overhead ~ 1 / s).
_ORDERS_PER_STEP = 48


@lru_cache(maxsize=128)
def _step_index(s: int, k: int, n: int, device: torch.device) -> Tensor:
    """Where the entries of ``[A | B]`` of the step ``k -> k + s`` lie in the padded residuals (length ``2 n + 1``).

    ``A[j, i] = phi[j - i]`` and ``B[j, i] = phi[k + 1 + i - j]`` for ``i >= j`` (upper triangular Toeplitz, ``s x s``):
    ``phi[t]`` sits at ``n - 1 + t``, the zeros at ``2 n`` (the padding).
    """
    j, i = torch.arange(s)[:, None], torch.arange(s)[None, :]
    upper = i >= j
    a = torch.where(upper, n - 1 + j - i, 2 * n)
    b = torch.where(upper, n + k + i - j, 2 * n)
    return torch.cat([a, b], dim=1).reshape(1, -1).to(device)


@lru_cache(maxsize=32)
def _toeplitz_index(k: int, device: torch.device) -> Tensor:
    """``|i - j|`` for ``i, j < k``, flattened (the dense ``k x k`` Toeplitz matrix of its first column)."""
    i = torch.arange(k, device=device)
    return (i[:, None] - i[None]).abs().reshape(1, -1)


@lru_cache(maxsize=32)
def _signs(s: int, device: torch.device) -> Tensor:
    return torch.cat([torch.ones(s, dtype=torch.float64), -torch.ones(s, dtype=torch.float64)]).to(device)


@lru_cache(maxsize=128)
def _delay(k: int, n_fft: int, device: torch.device) -> Tensor:
    """The spectrum of a delay by ``k`` samples, ``exp(-2 pi i f k / n_fft)``, float64."""
    angle = torch.arange(n_fft // 2 + 1, dtype=torch.float64) * (-2 * torch.pi * k / n_fft)
    return torch.polar(torch.ones_like(angle), angle).to(device)


@lru_cache(maxsize=32)
def _unit(m: int, device: torch.device) -> Tensor:
    e = torch.zeros(m, 1, dtype=torch.float64)
    e[0] = 1.0
    return e.to(device)


def _durbin(r: Tensor) -> tuple[Tensor, Tensor]:
    r"""Prediction polynomial ``a`` (``a[..., 0] = 1``) and error ``E`` of order ``L - 1`` for autocorrelation ``r``.

    ``r``: shape ``(N, L)``, normalised (``r[..., 0] = 1``); ``E``: shape ``(N,)``. Blocked: orders ``1 .. s - 1``
    by one dense Yule-Walker solve, then ``s`` orders per step (``s = _ORDERS_PER_STEP``). The order ``k + s``
    polynomial is :math:`p(z) a_k(z) + z q(z) \tilde a_k(z)` (:math:`\tilde a_k` the reversal, ``p`` and ``q`` of
    degree ``s - 1``): its orthogonality to the lags ``0 .. s - 1`` and ``k + 1 .. k + s`` reads
    :math:`\begin{pmatrix} A & B \\ B^\top & A^\top \end{pmatrix} \binom{p}{q} = e_0` with ``A``, ``B`` the upper
    triangular Toeplitz matrices of the residuals :math:`\phi = r * a_k` at lags ``0, -1, ..`` and ``k + 1, k + 2,
    ..``. Triangular Toeplitz matrices commute, so with :math:`H = A A^\top - B B^\top`:
    :math:`y = H^{-1} e_0`, :math:`p = A^\top y`, :math:`q = -B^\top y`, one Cholesky solve (``H`` reversed is
    :math:`A^\top A - B^\top B`, the leading ``s x s`` block of the Schur complement of the order ``k`` system, of
    which the two residual sequences are the generators: symmetric positive definite with ``R``). The polynomials
    stay in the frequency domain (``2 L`` points): a step is one residual FFT, one ``s x s`` Cholesky solve and one
    FFT of ``p, q``; they are not normalised between steps (each step resets the scale).
    """
    n_sys, n = r.shape
    order = n - 1
    k = min(_ORDERS_PER_STEP - 1, order)
    a = torch.ones_like(r[:, :1])
    if k > 0:  # Yule-Walker: R_k a[1:] = -r[1 : k + 1]
        toeplitz = r.gather(1, _toeplitz_index(k, r.device).expand(n_sys, -1)).view(n_sys, k, k)
        factor = torch.linalg.cholesky_ex(toeplitz)[0]
        a = torch.cat([a, torch.cholesky_solve(r[:, 1 : k + 1, None].neg(), factor)[..., 0]], dim=-1)
    if k < order:
        n_fft = 2 * n
        spectrum = torch.fft.rfft(torch.cat([r.flip(-1), r[:, 1:]], dim=-1), n_fft)  # r at lags 1 - L .. L - 1
        a_fft = torch.fft.rfft(a, n_fft)
        while k < order:
            s = min(_ORDERS_PER_STEP, order - k)
            residual = torch.nn.functional.pad(torch.fft.irfft(a_fft * spectrum, n_fft), (0, 1))
            blocks = residual.gather(1, _step_index(s, k, n, r.device).expand(n_sys, -1)).view(n_sys, s, 2 * s)
            signed = blocks * _signs(s, r.device)  # [A | -B]
            factor = torch.linalg.cholesky_ex(torch.bmm(signed, blocks.mT))[0]  # H = A A^T - B B^T
            pq = torch.bmm(signed.mT, torch.cholesky_solve(_unit(s, r.device).expand(n_sys, -1, -1), factor))
            pq_fft = torch.fft.rfft(pq.view(n_sys, 2, s), n_fft)
            # a_fft <- P a_fft + Q z^(k + 1) conj(a_fft): conj(a_fft) z^k is the spectrum of the reversal
            a_fft = torch.addcmul(pq_fft[:, 0] * a_fft, pq_fft[:, 1] * _delay(k + 1, n_fft, r.device), a_fft.conj())
            k += s
        a = torch.fft.irfft(a_fft, n_fft)[:, :n]
        a = a / a[:, :1]
    return a, torch.linalg.vecdot(a, r)


def toeplitz_quadratic_form(r: Tensor, b: Tensor) -> Tensor:
    """``b^T R^{-1} b`` for the symmetric Toeplitz ``R`` with first column ``r``; ``r``, ``b`` of shape ``(N, L)``."""
    n = r.shape[-1]
    r0 = r[:, :1]
    a, error = _durbin(r / r0)
    # Gohberg-Semencul: u = A^T b and v = B^T b, the correlations of b with a and with its shifted reversal
    kernels = torch.stack([a, torch.nn.functional.pad(a[:, 1:].flip(-1), (1, 0))])
    n_fft = 2 * n
    uv = torch.fft.irfft(torch.fft.rfft(kernels, n_fft).conj() * torch.fft.rfft(b / r0.sqrt(), n_fft), n_fft)
    energies = uv[..., :n].square().sum(-1)
    form: Tensor = (energies[0] - energies[1]) / error
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
