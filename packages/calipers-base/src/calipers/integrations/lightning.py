"""PyTorch Lightning recognises calipers metrics: ``self.log(name, metric)`` and ``self.log_dict(collection)``.

Lightning accepts a metric object in ``LightningModule.log`` when it is an instance of ``torchmetrics.Metric``: it then
logs the metric's batch value (``_forward_cache``, set by ``forward``) on step, calls ``compute()`` (which syncs across
processes) at the end of the epoch and ``reset()`` after it. A calipers :class:`~calipers.Metric` provides all of
that, so the integration only has to make Lightning's check pass: :func:`register` declares ``calipers.Metric`` a
virtual subclass of ``torchmetrics.Metric`` (an ABC), which changes nothing in either class.

It costs nothing without Lightning: calipers never imports Lightning or TorchMetrics. Every ``Metric.__init__`` looks
up whether Lightning has been imported (a ``sys.modules`` lookup) and registers on the first metric built after it,
so metrics defined in a ``LightningModule`` work with no user step. A metric built *before* Lightning was imported is
covered by calling :func:`register` once after importing Lightning (idempotent). calipers never imports Lightning or
TorchMetrics: it uses the ``torchmetrics`` module Lightning has loaded.

Example:
    >>> from calipers.integrations.lightning import lightning_in_use
    >>> isinstance(lightning_in_use(), bool)
    True
"""

from __future__ import annotations

import sys

__all__ = ["lightning_in_use", "register", "registered"]

_LIGHTNING_MODULES = ("pytorch_lightning", "lightning")
_state = {"registered": False}


def lightning_in_use() -> bool:
    """Whether Lightning (``pytorch_lightning`` or ``lightning``) has been imported in this process."""
    modules = sys.modules
    return any(name in modules for name in _LIGHTNING_MODULES)


def registered() -> bool:
    """Whether :func:`register` has run (calipers metrics are then ``torchmetrics.Metric`` instances for Lightning)."""
    return _state["registered"]


def register() -> None:
    """Make Lightning's ``self.log``/``self.log_dict`` accept calipers metrics (idempotent).

    Registers :class:`calipers.Metric` as a virtual subclass of the ``torchmetrics.Metric`` that Lightning has
    already imported (calipers itself never imports TorchMetrics: it takes the loaded module from ``sys.modules``).

    Raises:
        MetricStateError: Lightning (and with it TorchMetrics) has not been imported yet.
    """
    if _state["registered"]:
        return
    torchmetrics = sys.modules.get("torchmetrics")
    if torchmetrics is None or not lightning_in_use():
        from calipers.exceptions import MetricStateError

        raise MetricStateError(
            "calipers.integrations.lightning.register: Lightning must be imported first (`import lightning` or "
            "`import pytorch_lightning`); calipers registers with the TorchMetrics that Lightning loads."
        )
    from calipers.metric import Metric

    torchmetrics.Metric.register(Metric)
    _state["registered"] = True


def register_if_lightning() -> None:
    """Register when Lightning is imported and registration has not happened yet (called by ``Metric.__init__``)."""
    if not _state["registered"] and lightning_in_use():
        register()
