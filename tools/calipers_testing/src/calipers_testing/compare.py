"""Comparison of metric outputs with reference values, and the failure the harness raises."""

from __future__ import annotations

from typing import Any

import numpy as np

from calipers_testing.spec import to_numpy

__all__ = ["HarnessFailure", "assert_close"]


class HarnessFailure(AssertionError):
    """A harness check failed; ``check`` names which one (``"ddp"``, ``"forward"``, ``"state_dict"``...)."""

    def __init__(self, check: str, spec_name: str, detail: str) -> None:
        super().__init__(f"[{check}] {spec_name}: {detail}")
        self.check = check


def assert_close(actual: Any, expected: Any, atol: float, rtol: float, what: str = "value") -> None:
    """Assert ``actual`` (tensors, numbers, dicts, lists) equals ``expected`` within tolerances; NaN equals NaN."""
    a, e = to_numpy(actual), to_numpy(expected)
    if isinstance(e, dict):
        if not isinstance(a, dict) or set(a) != set(e):
            raise AssertionError(f"{what}: keys {sorted(a) if isinstance(a, dict) else type(a)} != {sorted(e)}")
        for k in e:
            assert_close(a[k], e[k], atol, rtol, f"{what}[{k!r}]")
        return
    if isinstance(e, (list, tuple)) and not _is_numeric_seq(e):
        if not isinstance(a, (list, tuple)) or len(a) != len(e):
            raise AssertionError(f"{what}: expected a sequence of {len(e)}, got {a!r}")
        for i, (x, y) in enumerate(zip(a, e)):
            assert_close(x, y, atol, rtol, f"{what}[{i}]")
        return
    a_arr = np.asarray(a, dtype=np.float64) if not _is_complex(a) else np.asarray(a)
    e_arr = np.asarray(e, dtype=np.float64) if not _is_complex(e) else np.asarray(e)
    if a_arr.shape != e_arr.shape and not (a_arr.size == 1 and e_arr.size == 1):
        raise AssertionError(f"{what}: shape {a_arr.shape} != expected {e_arr.shape}")
    if not np.allclose(a_arr.reshape(e_arr.shape), e_arr, atol=atol, rtol=rtol, equal_nan=True):
        raise AssertionError(f"{what}: got {a_arr!r}, expected {e_arr!r} (atol={atol}, rtol={rtol})")


def _is_numeric_seq(x: Any) -> bool:
    try:
        np.asarray(x, dtype=np.float64)
    except (TypeError, ValueError):
        return False
    return True


def _is_complex(x: Any) -> bool:
    return bool(np.iscomplexobj(x))
