"""Wrappers that add behaviour around another metric."""

from __future__ import annotations

from calipers.wrappers.abstract import WrapperMetric
from calipers.wrappers.running import Running

__all__ = ["Running", "WrapperMetric"]
