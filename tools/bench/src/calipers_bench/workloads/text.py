"""Workloads of calipers-text (filled in by the text domain work)."""

from __future__ import annotations
