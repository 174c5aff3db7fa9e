"""Snapshots of every state of a metric (and of the metrics it wraps), compared bit for bit."""

from __future__ import annotations

from typing import Any

import torch
from torch import Tensor

from calipers import Metric

__all__ = ["snapshot", "snapshots_equal"]


def snapshot(metric: Metric) -> list[tuple[str, Any]]:
    """Deep copies of every state of ``metric`` and of its sub-metrics, plus their update counts."""
    out: list[tuple[str, Any]] = []
    for prefix, module in metric.named_modules():
        if isinstance(module, Metric):
            out.append((f"{prefix}._update_count", module._update_count))
            for name in module._defaults:
                v = getattr(module, name)
                out.append(
                    (f"{prefix}.{name}", [t.detach().clone() for t in v] if isinstance(v, list) else v.detach().clone())
                )
    return out


def _equal(a: Any, b: Any) -> bool:
    if isinstance(a, Tensor) or isinstance(b, Tensor):
        if not (isinstance(a, Tensor) and isinstance(b, Tensor)) or a.shape != b.shape or a.dtype != b.dtype:
            return False
        if a.is_floating_point():
            return bool(torch.allclose(a, b, rtol=0.0, atol=0.0, equal_nan=True))
        return bool(torch.equal(a, b))
    if isinstance(a, list) or isinstance(b, list):
        return isinstance(a, list) and isinstance(b, list) and len(a) == len(b) and all(map(_equal, a, b))
    return bool(a == b)


def snapshots_equal(a: list[tuple[str, Any]], b: list[tuple[str, Any]]) -> str | None:
    """``None`` when equal, else the name of the first differing state."""
    if [k for k, _ in a] != [k for k, _ in b]:
        return f"state names differ: {[k for k, _ in a]} vs {[k for k, _ in b]}"
    for (k, x), (_, y) in zip(a, b):
        if not _equal(x, y):
            return k
    return None
