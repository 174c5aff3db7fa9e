"""Exceptions and warnings raised by calipers.

::

    ImportError
     └── MissingDependencyError      an optional extra or a domain distribution is not installed
          ├── DomainNotInstalledError  `calipers.X` may live in a domain distribution that is not installed
          └── ExtraNotInstalledError   a package of an extra (`calipers-<dist>[<extra>]`) is not installed
               (also a ModuleNotFoundError, as a failed `import` of the package would be)
    RuntimeError
     ├── MetricStateError            a metric is used in the wrong state (update while synced, unsync twice, ...)
     └── ClassConstantError          `higher_is_better`/`is_differentiable`/`full_state_update` set on an object
          (also an AttributeError: code written for TorchMetrics catches RuntimeError, Python code AttributeError)
    UserWarning
     └── CalipersUserWarning         a suspicious but legal use (compute before update, NaN dropped, ...)

Bad argument values raise ``ValueError`` and bad argument types ``TypeError``, with the argument's name, what was
expected and what was given.
"""

from __future__ import annotations

__all__ = [
    "CalipersUserWarning",
    "ClassConstantError",
    "DomainNotInstalledError",
    "ExtraNotInstalledError",
    "MetricStateError",
    "MissingDependencyError",
]


class MissingDependencyError(ImportError):
    """An optional dependency is missing; the message names what to ``pip install``."""


class DomainNotInstalledError(MissingDependencyError):
    """A name of the ``calipers`` namespace may live in a domain distribution that is not installed."""


class ExtraNotInstalledError(MissingDependencyError, ModuleNotFoundError):
    """A package of an optional extra is not installed; the message names ``pip install calipers-<dist>[<extra>]``.

    Its ``name`` is the missing module's, as for a ``ModuleNotFoundError`` raised by ``import``.
    """


class MetricStateError(RuntimeError):
    """A metric method was called in a state that does not allow it (e.g. ``update`` while synced)."""


class ClassConstantError(AttributeError, RuntimeError):
    """A metric's class constant was set on an object; set it on a subclass instead.

    The constants are ``higher_is_better``, ``is_differentiable`` and ``full_state_update``.
    """


class CalipersUserWarning(UserWarning):
    """A legal but suspicious use of a metric."""
