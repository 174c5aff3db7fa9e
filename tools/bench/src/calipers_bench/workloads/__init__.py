"""The workloads, one module per domain. Importing this package registers them all.

To add a domain, write ``calipers_bench/workloads/<domain>.py`` (see ``base.py``) and list it in ``MODULES``.
A module whose domain package is not installed still registers its workloads: they report ``n/a`` when run.
"""

from __future__ import annotations

import importlib

__all__ = ["MODULES", "load"]

MODULES: tuple[str, ...] = (
    "calipers_bench.workloads.base",
    "calipers_bench.workloads.base_sync",
    "calipers_bench.workloads.base_collections",
    "calipers_bench.workloads.classification_curves",
    "calipers_bench.workloads.classification_stat_scores",
    "calipers_bench.workloads.regression_correlation",
    "calipers_bench.workloads.regression_error",
    "calipers_bench.workloads.retrieval",
    "calipers_bench.workloads.audio",
    "calipers_bench.workloads.text",
)


def load() -> None:
    """Import every workload module (registering its workloads); idempotent."""
    for name in MODULES:
        importlib.import_module(name)
