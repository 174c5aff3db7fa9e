"""Lazy re-export of domain names in ``calipers`` and ``calipers.functional``.

calipers-base knows no domain's metric names. Each domain distribution ships a tiny module
``calipers/_domains/<domain>.py`` (no imports) with two tuples, ``MODULE_NAMES`` and ``FUNCTIONAL_NAMES``: the names
it adds to ``calipers`` and ``calipers.functional``. ``calipers._domains`` is a namespace package spread over the
installed domain distributions; it is read once, on the first attribute the namespace does not define itself (or on
``dir()``/``__all__``), so ``import calipers`` stays as light as before and a domain release can add a top-level name
without a base release.

A name resolves on first use by importing ``calipers.<domain>`` (or ``calipers.functional.<domain>``). When no
installed domain provides it and some domain distributions are not installed, the error is a
:class:`~calipers.exceptions.DomainNotInstalledError` (an ``ImportError``) naming them; with every domain installed,
or for a name starting with ``_``, it is a plain ``AttributeError``. ``__all__`` and ``dir()`` list installed names
only.
"""

from __future__ import annotations

import functools
import importlib
import importlib.util
import pkgutil
from collections.abc import Callable
from typing import Any

from calipers.exceptions import DomainNotInstalledError

__all__ = ["DOMAINS", "domain_names", "make_lazy_namespace"]

# The domain distributions of the project (``calipers-<domain>``): their names, not the metrics they provide.
DOMAINS: tuple[str, ...] = ("audio", "classification", "regression", "retrieval", "text")
_TABLES = {"calipers": "MODULE_NAMES", "calipers.functional": "FUNCTIONAL_NAMES"}


def _installed(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):
        return False


@functools.lru_cache(maxsize=1)
def _declarations() -> dict[str, Any]:
    """The ``calipers._domains.<domain>`` modules of the installed domain distributions, by domain."""
    if not _installed("calipers._domains"):
        return {}
    package = importlib.import_module("calipers._domains")
    found = sorted(info.name for info in pkgutil.iter_modules(package.__path__) if not info.ispkg)
    return {name: importlib.import_module(f"calipers._domains.{name}") for name in found}


def domain_names(namespace: str) -> dict[str, tuple[str, ...]]:
    """The names each installed domain declares for ``namespace`` (``calipers`` or ``calipers.functional``)."""
    attribute = _TABLES[namespace]
    return {
        domain: tuple(getattr(module, attribute, ()))
        for domain, module in _declarations().items()
        if _installed(f"{namespace}.{domain}")
    }


def _missing_domains() -> list[str]:
    return [d for d in DOMAINS if not _installed(f"calipers.{d}")]


def make_lazy_namespace(
    namespace: str, eager: list[str], submodules: tuple[str, ...] = ()
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """Build the module ``__getattr__`` and ``__dir__`` of ``namespace`` (``calipers`` or ``calipers.functional``).

    ``eager`` lists the names the namespace defines itself; domain names come from the installed domains'
    declarations; ``submodules`` (and the domains) are imported on first attribute access.
    """

    def available() -> list[str]:
        names = list(eager)
        for domain_names_ in domain_names(namespace).values():
            names.extend(domain_names_)
        return sorted(set(names))

    def getattr_(name: str) -> Any:
        if name == "__all__":
            return available()
        if name in submodules or name in DOMAINS:
            module_name = f"{namespace}.{name}"
            if name in DOMAINS and not _installed(module_name):
                raise DomainNotInstalledError(
                    f"`{module_name}` is provided by the distribution 'calipers-{name}', which is not installed: "
                    f"`pip install calipers-{name}`."
                )
            return importlib.import_module(module_name)
        for domain, names in domain_names(namespace).items():
            if name in names:
                return getattr(importlib.import_module(f"{namespace}.{domain}"), name)
        missing = _missing_domains()
        if missing and not name.startswith("_"):  # dunder probes (hasattr by tools) stay AttributeErrors
            installs = ", ".join(f"`pip install calipers-{d}`" for d in missing)
            raise DomainNotInstalledError(
                f"module {namespace!r} has no attribute {name!r}: no installed calipers domain provides it. It may "
                f"come from a domain distribution that is not installed: {installs} (or `pip install calipers` for "
                "every domain)."
            )
        raise AttributeError(f"module {namespace!r} has no attribute {name!r}")

    def dir_() -> list[str]:
        module = importlib.import_module(namespace)
        return sorted(set(vars(module)) | set(available()))

    return getattr_, dir_
