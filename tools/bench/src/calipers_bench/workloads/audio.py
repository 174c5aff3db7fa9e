"""Workloads of calipers-audio (filled in by the audio domain work)."""

from __future__ import annotations
