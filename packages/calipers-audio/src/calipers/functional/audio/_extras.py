"""The optional back-ends of PESQ and STOI: lazy imports, a clear error naming the extra, and the worker pools.

``pesq`` and ``pystoi`` are imported on first use only (``import calipers.audio`` never loads them). A missing
package raises :class:`calipers.exceptions.ExtraNotInstalledError` (a ``ModuleNotFoundError`` and a
``MissingDependencyError``, also importable from here and as ``calipers.functional.audio.ExtraNotInstalledError``)
naming ``calipers-audio[pesq]`` or ``calipers-audio[stoi]``. Scoring with ``n_processes > 1`` uses one persistent
pool of that many worker processes (started on first use, shared by every metric object and call of this process,
closed at exit), where TorchMetrics' back-end starts a new pool on every call.
"""

from __future__ import annotations

import atexit
from collections.abc import Callable, Sequence
from types import ModuleType
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from multiprocessing.pool import Pool

import numpy as np

from calipers._extras import import_extra as _import_extra
from calipers.exceptions import ExtraNotInstalledError as ExtraNotInstalledError

__all__ = ["ExtraNotInstalledError", "import_extra", "score_signals"]


def import_extra(name: str, module: str, extra: str) -> ModuleType:
    """Import ``module`` or raise :class:`ExtraNotInstalledError` naming ``calipers-audio[extra]``."""
    return _import_extra(module, "audio", extra, name)


_POOLS: dict[int, Pool] = {}


def _pool(n_processes: int) -> Pool:
    """The persistent pool of ``n_processes`` workers.

    Forked where the platform can (the workers run only the C scorers, never torch, and need no ``__main__``
    guard in the user's script), spawned elsewhere.
    """
    pool = _POOLS.get(n_processes)
    if pool is None:
        import multiprocessing  # the pool machinery only when a pool is asked for (import time)

        method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
        pool = multiprocessing.get_context(method).Pool(n_processes)
        _POOLS[n_processes] = pool
    return pool


@atexit.register
def _close_pools() -> None:
    for pool in _POOLS.values():
        pool.terminate()
    _POOLS.clear()


def _score_pesq(job: tuple[int, np.ndarray, np.ndarray, str]) -> tuple[bool, Any]:
    fs, ref, deg, mode = job
    try:
        import pesq  # type: ignore[import-untyped]

        return True, float(pesq.pesq(fs, ref, deg, mode))
    except Exception as err:  # reported with the sample's index by the caller
        return False, f"{type(err).__name__}: {err}"


def _score_stoi(job: tuple[int, np.ndarray, np.ndarray, bool]) -> tuple[bool, Any]:
    fs, ref, deg, extended = job
    try:
        from pystoi import stoi  # type: ignore[import-untyped]

        return True, float(stoi(ref, deg, fs, extended))
    except Exception as err:  # reported with the sample's index by the caller
        return False, f"{type(err).__name__}: {err}"


SCORERS: dict[str, Callable[[Any], tuple[bool, Any]]] = {"pesq": _score_pesq, "stoi": _score_stoi}


def score_signals(
    name: str, scorer: str, option: Any, fs: int, target: np.ndarray, preds: np.ndarray, n_processes: int
) -> np.ndarray:
    """Score every row of ``(N, time)`` arrays; raise ``ValueError`` naming the first unscorable sample's index."""
    jobs: Sequence[Any] = [(fs, target[i], preds[i], option) for i in range(target.shape[0])]
    func = SCORERS[scorer]
    if n_processes > 1 and len(jobs) > 1:
        results = _pool(n_processes).map(func, jobs, chunksize=max(1, len(jobs) // (4 * n_processes)))
    else:
        results = [func(job) for job in jobs]
    values = np.empty(len(results), dtype=np.float64)
    for i, (ok, value) in enumerate(results):
        if not ok:
            raise ValueError(f"{name}: sample {i} (of the flattened batch) could not be scored by `{scorer}`: {value}")
        values[i] = value
    return values
