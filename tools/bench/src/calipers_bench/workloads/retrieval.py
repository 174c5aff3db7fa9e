"""Workloads of calipers-retrieval (filled in by the retrieval domain work)."""

from __future__ import annotations
