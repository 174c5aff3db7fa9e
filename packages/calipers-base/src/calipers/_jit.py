"""TorchScript support: a metric, a collection or a wrapper can be scripted, alone or as a submodule of a model.

As in TorchMetrics, scripting a metric compiles nothing of it: ``forward`` is marked ``torch.jit.unused`` and the
metric's Python-only attributes and properties are hidden from the compiler, so ``torch.jit.script(model)`` works
for a model that holds metrics (the metrics themselves keep running in Python, on the unscripted model).

The compiler reads a module's class annotations to type its attributes, and calipers' annotations are strings
(``from __future__ import annotations``), which it cannot resolve (``Unknown type annotation: 'Tensor'``). Every
attribute annotated on a calipers class is therefore listed in ``__jit_ignored_attributes__``, and every property in
``__jit_unused_properties__``. :func:`hide_from_torchscript` does this once per class, from
``Metric.__init_subclass__`` (and for ``MetricCollection`` and ``MetricTracker``, which are not metrics), so
subclasses written by users are covered too.
"""

from __future__ import annotations

from typing import Any

import torch

__all__ = ["hide_from_torchscript"]


def _own_classes(cls: type) -> list[type]:
    """The classes of ``cls``'s MRO outside torch (torch's own annotations are real types, left to the compiler)."""
    return [k for k in cls.__mro__ if k is not object and not k.__module__.startswith("torch")]


def hide_from_torchscript(cls: type[Any]) -> None:
    """Mark ``cls.forward`` unused and hide every annotated attribute and every property of ``cls`` from TorchScript.

    Called on each class once, when it is created; user lists (``__jit_ignored_attributes__``...) are kept.
    """
    ignored = set(getattr(cls, "__jit_ignored_attributes__", ()))
    unused = set(getattr(cls, "__jit_unused_properties__", ()))
    for klass in _own_classes(cls):
        ignored.update(klass.__dict__.get("__annotations__", {}))
        unused.update(name for name, value in vars(klass).items() if isinstance(value, property))
    type.__setattr__(cls, "__jit_ignored_attributes__", sorted(ignored))
    type.__setattr__(cls, "__jit_unused_properties__", sorted(unused))
    forward = cls.__dict__.get("forward")
    if forward is not None:
        torch.jit.unused(forward)
