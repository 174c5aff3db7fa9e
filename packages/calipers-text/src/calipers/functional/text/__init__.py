"""Functional text metrics for calipers."""

from __future__ import annotations

__all__: list[str] = []
