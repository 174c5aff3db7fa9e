"""Helpers for writing metrics: state reductions and distributed utilities."""

from __future__ import annotations

from calipers.utilities.data import dim_zero_cat, dim_zero_max, dim_zero_mean, dim_zero_min, dim_zero_sum
from calipers.utilities.distributed import distributed_available, gather_all_tensors

__all__ = [
    "dim_zero_cat",
    "dim_zero_max",
    "dim_zero_mean",
    "dim_zero_min",
    "dim_zero_sum",
    "distributed_available",
    "gather_all_tensors",
]
